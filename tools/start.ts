// `signet start` (npm start): the whole system on one machine. The gateway
// with its embedded broker and local ledger, a simulated fleet of metering
// households, and two simulated kiosks whose voters vote on a demo meeting
// (a budget that closes within a minute, then a bylaws amendment), signed by
// a demo administrator key kept in the data directory. Each start is a new
// meeting with new device ids, so a second start on the same data directory
// simply carries on the same log. Ctrl-C stops it cleanly.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import pino from "pino";
import { algName, toHex } from "../firmware/protocol/index.ts";
import { ConfigError, loadConfig } from "../gateway/config.ts";
import { startGateway, type Gateway } from "../gateway/gateway.ts";
import { runFleet } from "../simulator/fleet/fleet.ts";
import { runScenario } from "../simulator/runner/run.ts";
import { parseScenario } from "../simulator/scenario/parse.ts";
import { CliError } from "./errors.ts";
import { generateKey, readKeyFile, writeKeyFile, type SigningKey } from "./keyfile.ts";
import { decodeSign1, parsePayload, signPayload } from "../firmware/protocol/index.ts";

export const DEMO_METERS = 6;
const DEMO_ROLL = "demo-members";
// Shares: weighted votes, so the result by weight can differ from a head count.
const MEMBERS: [string, number, string][] = [
  ["member-1", 10, "1111"],
  ["member-2", 20, "2222"],
  ["member-3", 5, "3333"],
  ["member-4", 40, "4444"],
  ["member-5", 15, "5555"],
  ["member-6", 10, "6666"],
  ["member-7", 25, "7777"],
  ["member-8", 5, "8888"],
];

/** The demo administrator key (`<data>/demo/admin.key`) and the run number, kept across starts. */
function demoState(dataDir: string): { key: SigningKey; run: number; dir: string } {
  const dir = join(dataDir, "demo");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, "admin.key");
  if (!existsSync(keyFile)) writeKeyFile(keyFile, generateKey(-8, "demo-admin.signet.local"));
  const runFile = join(dir, "run");
  const run = (existsSync(runFile) ? Number(readFileSync(runFile, "utf8")) || 0 : 0) + 1;
  writeFileSync(runFile, `${run}\n`);
  return { key: readKeyFile(keyFile), run, dir };
}

function meetingScenario(site: string, run: number): string {
  const kiosk = (letter: string) => `kiosk-${run}-${letter}`;
  const voter = (n: number) => `{ number: ${n}, id: ${MEMBERS[n - 1][0]}, pin: "${MEMBERS[n - 1][2]}" }`;
  const vote = (k: string, n: number, option: number) => [`  - { device: ${k}, keys: "#${n}#${MEMBERS[n - 1][2]}#" }`, `  - { device: ${k}, press: opt${option} }`, `  - { device: ${k}, press: confirm }`, "  - wait: 4s", `  - { device: ${k}, keys: "#" }`];
  return `name: demo meeting ${run}
seed: demo-${run}
site: ${site}
ballots:
  - { id: demo-${run}.budget, title: "Budget 2027", options: [yes, no, abstain], opens: -1m, closes: 50s, roll: ${DEMO_ROLL} }
  - { id: demo-${run}.bylaws, title: "Amend the bylaws", options: [yes, no], opens: 60s, closes: 4m, roll: ${DEMO_ROLL} }
devices:
  - { id: ${kiosk("a")}, key: software, fingerprint: false, voters: [${[1, 2, 3, 4].map(voter).join(", ")}] }
  - { id: ${kiosk("b")}, key: software, fingerprint: false, voters: [${[5, 6, 7, 8].map(voter).join(", ")}] }
steps:
  - wait: 5s
${[...vote(kiosk("a"), 1, 1), ...vote(kiosk("b"), 5, 2), ...vote(kiosk("a"), 2, 2), ...vote(kiosk("b"), 6, 1), ...vote(kiosk("a"), 4, 1), ...vote(kiosk("b"), 7, 3)].join("\n")}
  - { at: 65s, device: ${kiosk("a")}, keys: "#" }
${[...vote(kiosk("a"), 1, 1), ...vote(kiosk("b"), 5, 1), ...vote(kiosk("a"), 3, 2), ...vote(kiosk("b"), 8, 2), ...vote(kiosk("a"), 4, 1)].join("\n")}
  - wait: 24h
`;
}

/**
 * A previous start's meeting may still be open; two open ballots would make
 * the new kiosks' voters choose between them. Its ballots get one more
 * revision closing in two seconds (after opening only `closes` may change).
 */
async function closeEarlierMeetings(gateway: Gateway, key: SigningKey, run: number): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  let closed = 0;
  for (const id of gateway.ballots.ids()) {
    if (!id.startsWith("demo-") || id.startsWith(`demo-${run}.`) || gateway.ballots.status(id) === "closed") continue;
    const signed = decodeSign1(gateway.ballots.cose(id)!);
    if (signed.kid !== key.kid) continue;
    const ballot = parsePayload(signed.payload, ["ballot"]);
    const opens = gateway.ballots.status(id) === "scheduled" ? now + 1 : ballot.opens;
    await gateway.ballots.submit(signPayload(key.alg, key.kid, { ...ballot, ts: now, rev: ballot.rev + 1, opens, closes: Math.max(opens, now) + 2 }, key.privateKey));
    closed++;
  }
  if (closed > 0) await new Promise((r) => setTimeout(r, 3000));
  return closed;
}

async function adminPost(gateway: Gateway, token: string, path: string, body: string | object, contentType = "application/json"): Promise<void> {
  const response = await fetch(`${gateway.httpUrl}/admin${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`demo: the gateway refused ${path} (${response.status}): ${await response.text()}`);
}

export function startCommand(): Command {
  return new Command("start")
    .description("the whole system: gateway, embedded broker, local ledger, simulated meters and kiosks voting on a demo meeting; prints the dashboard URL")
    .option("--data <dir>", "data directory (default ./signet-data, or SIGNET_DATA)")
    .option("--http <port>", "HTTP port (default 8080)")
    .option("--mqtt <port>", "MQTT port (default 1883)")
    .option("--meters <n>", "simulated metering households", String(DEMO_METERS))
    .action(async (flags: { data?: string; http?: string; mqtt?: string; meters: string }) => {
      const say = (line: string) => process.stdout.write(`${line}\n`);
      const dataDir = flags.data ?? process.env.SIGNET_DATA ?? "./signet-data";
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const demo = demoState(dataDir);
      const configFile = join(demo.dir, "gateway.yaml");
      writeFileSync(configFile, `# written by signet start: the demo administrator may sign ballots\nadmins:\n  - { kid: ${demo.key.kid}, alg: ${algName(demo.key.alg)}, pub: ${toHex(demo.key.publicKey)} }\n`);
      let config;
      try {
        config = loadConfig({ config: configFile, data: dataDir, http: flags.http, mqtt: flags.mqtt });
      } catch (e) {
        if (e instanceof ConfigError) throw new CliError(e.message);
        throw e;
      }
      const logFile = join(config.dataDir, "signet.log");
      const logger = pino({ base: { site: config.site } }, pino.destination({ dest: logFile, append: true, mkdir: true }));
      let gateway: Gateway;
      try {
        gateway = await startGateway(config, { logger, processMetrics: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE") throw new CliError(`a port is in use (${(e as Error).message}); is another gateway running? Use --http and --mqtt to pick others`, 1);
        throw e;
      }
      const token = config.adminTokens[0];
      const stopped = new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      say(`Signet is running (run ${demo.run} on ${config.dataDir})`);
      say("");
      say(`  dashboard   ${gateway.httpUrl}/`);
      say(`  read API    ${gateway.httpUrl}/openapi.json   metrics ${gateway.httpUrl}/metrics`);
      say(`  MQTT        ${gateway.mqttUrl}`);
      say(`  log origin  ${gateway.key.name}`);
      say(`  admin token ${join(config.dataDir, "admin-token")}   demo admin key ${join(demo.dir, "admin.key")}`);
      say(`  JSON logs   ${logFile}`);
      say("");
      say(`Starting ${flags.meters} metering households and two kiosks; "Budget 2027" closes within a minute, "Amend the bylaws" four minutes after start. Ctrl-C stops.`);

      const earlier = await closeEarlierMeetings(gateway, demo.key, demo.run);
      if (earlier > 0) say(`(closed ${earlier} ballot(s) still open from an earlier start)`);
      const warn = (text: string) => logger.warn(text);
      const roll = `voter,weight\n${[...MEMBERS].sort(([a], [b]) => (a < b ? -1 : 1)).map(([v, w]) => `${v},${w}\n`).join("")}`;
      const rules: Record<string, object> = {
        budget: { rule: { kind: "plurality" }, quorum: { num: 1, den: 2 } },
        bylaws: { rule: { kind: "threshold", option: "yes", num: 2, den: 3, base: "cast" }, quorum: { num: 1, den: 3 } },
      };
      const meeting = runScenario(parseScenario(meetingScenario(config.site, demo.run), "demo.yaml"), {
        broker: gateway.mqttUrl,
        gateway: {
          url: gateway.httpUrl,
          token,
          adminKey: { alg: demo.key.alg, kid: demo.key.kid, privateKey: demo.key.privateKey },
          publishBallot: async (spec, start) => {
            await adminPost(gateway, token, `/rolls/${DEMO_ROLL}`, roll, "text/csv");
            const cose = signPayload(demo.key.alg, demo.key.kid, {
              v: 1,
              t: "ballot",
              ts: Math.floor(Date.now() / 1000),
              id: spec.id,
              rev: 1,
              title: spec.title,
              options: spec.options,
              opens: start + spec.opens,
              closes: start + spec.closes,
              roll: DEMO_ROLL,
              ...(rules[spec.id.split(".")[1]] as { rule: { kind: "plurality" }; quorum: { num: number; den: number } }),
            }, demo.key.privateKey);
            await adminPost(gateway, token, "/ballots", { cose: Buffer.from(cose).toString("base64") });
          },
        },
        onWarning: warn,
      }).catch((e: Error) => logger.error({ err: e }, "demo kiosks stopped"));
      const meters = Number(flags.meters);
      const fleet =
        meters > 0
          ? runFleet({
              devices: meters,
              sites: 1,
              site: config.site,
              durationMs: 7 * 86_400_000,
              speed: 1,
              broker: gateway.mqttUrl,
              gateway: { url: gateway.httpUrl, token },
              intervalSeconds: 10,
              seed: `demo-${demo.run}`,
              firstDevice: (demo.run - 1) * meters + 1,
              onWarning: warn,
            }).catch((e: Error) => logger.error({ err: e }, "demo fleet stopped"))
          : Promise.resolve();
      void meeting;
      void fleet;

      await stopped;
      say("stopping: the last scan cycle commits what has arrived …");
      await gateway.stop();
      logger.flush();
      say(`stopped. Start again with npm start: the same log (${config.dataDir}) carries on.`);
      // The simulated devices have no stop of their own; the gateway and its database are closed.
      process.exit(0);
    });
}
