// `signet sim`: the simulator at the command line — scenarios for CI
// (`run`), load (`fleet`) and the device panel for people (`panel`).
import { readFileSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import { ScenarioError, parseScenario } from "../simulator/scenario/parse.ts";
import { junitXml } from "../simulator/scenario/junit.ts";
import type { ScenarioResult } from "../simulator/scenario/execute.ts";
import { runScenario, RunOptionError } from "../simulator/runner/run.ts";
import { GatewayAdminError } from "../simulator/runner/gateway-admin.ts";
import { parseSpeed, parseDurationFlag, runFleet, formatSummary } from "../simulator/fleet/fleet.ts";
import { startPanel } from "../simulator/panel/server.ts";
import { CliError } from "./errors.ts";
import { readKeyFile } from "./keyfile.ts";

function tokenOf(token: string | undefined): string {
  const t = token ?? process.env.SIGNET_ADMIN_TOKEN;
  if (!t) throw new CliError("--gateway needs an admin token: --token or SIGNET_ADMIN_TOKEN");
  return t;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a whole number above 0, got "${value}"`);
  return n;
}

function printResult(r: ScenarioResult, engine: string): void {
  const failed = r.checks.filter((c) => !c.ok);
  const mark = r.passed ? "PASS" : "FAIL";
  process.stdout.write(`${mark} ${r.file}: ${r.name} — ${r.checks.length - failed.length}/${r.checks.length} expectations hold (${engine}, ${(r.virtualMs / 1000).toFixed(1)} s simulated)\n`);
  for (const c of failed) process.stdout.write(`  ${r.file}:${c.line}: ${c.device ? `${c.device}: ` : ""}expected ${c.description}; ${c.detail}\n`);
  if (r.error) process.stdout.write(`  ${r.file}:${r.error.line}: step failed: ${r.error.message}\n`);
  if (!r.passed) {
    const tail = r.trace.slice(-80);
    process.stdout.write(`  trace${tail.length < r.trace.length ? ` (last ${tail.length} of ${r.trace.length} lines)` : ""}:\n`);
    for (const line of tail) process.stdout.write(`    ${line}\n`);
  }
}

export function simCommand(): Command {
  const sim = new Command("sim").description("simulated devices: scenarios, fleets and the device panel");

  sim
    .command("run")
    .description("run scenario files; exit 0 only when every expectation holds")
    .argument("<scenario...>", "scenario YAML files")
    .option("--xs", "run the firmware on the XS engine (as on the board) instead of Node")
    .option("--junit <file>", "write a JUnit XML report")
    .option("--seed <seed>", "replace the scenarios' seeds")
    .option("--broker <url>", "a real broker: 'embedded' (aedes on 127.0.0.1, a free port) or mqtt://host:port; runs in real time")
    .option("--gateway <url>", "a real gateway: devices are enrolled through its admin API and trust its key")
    .option("--token <token>", "the gateway's admin token (or SIGNET_ADMIN_TOKEN)")
    .option("--admin-key <file>", "with --gateway: the administrator key file (`signet key generate`) that signs the scenario's ballots; default: a key from the seed")
    .option("--speed <factor>", "real-time runs: simulated seconds per second (e.g. 10)", "1")
    .option("--trace", "print the trace of passing runs too")
    .action(async (files: string[], o: { xs?: boolean; junit?: string; seed?: string; broker?: string; gateway?: string; token?: string; adminKey?: string; speed: string; trace?: boolean }) => {
      const engine = o.xs ? "xs" : "node";
      const speed = Number(o.speed);
      if (!(speed > 0)) throw new CliError(`--speed must be a number above 0, got "${o.speed}"`);
      // Every file is checked before anything runs.
      const specs = files.map((file) => {
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch (e) {
          throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
        }
        try {
          return parseScenario(text, file);
        } catch (e) {
          if (e instanceof ScenarioError) throw new CliError(e.message);
          throw e;
        }
      });
      const results: ScenarioResult[] = [];
      for (const spec of specs) {
        try {
          const result = await runScenario(spec, {
            engine,
            seed: o.seed,
            broker: o.broker,
            gateway: o.gateway ? { url: o.gateway, token: tokenOf(o.token), adminKey: o.adminKey ? readKeyFile(o.adminKey) : undefined } : undefined,
            speed,
            onWarning: (text) => process.stderr.write(`signet sim: ${text}\n`),
          });
          results.push(result);
          printResult(result, engine);
          if (o.trace && result.passed) for (const line of result.trace) process.stdout.write(`    ${line}\n`);
        } catch (e) {
          if (e instanceof RunOptionError || e instanceof GatewayAdminError) throw new CliError(e.message, e instanceof GatewayAdminError ? 1 : 2);
          throw e;
        }
      }
      if (o.junit) writeFileSync(o.junit, junitXml(results, engine));
      const failed = results.filter((r) => !r.passed).length;
      process.stdout.write(`${results.length - failed} of ${results.length} scenario(s) passed\n`);
      if (failed > 0) process.exitCode = 1;
    });

  sim
    .command("fleet")
    .description("many metering (and voting) devices, each with its own MQTT connection; prints a summary")
    .option("--devices <n>", "devices", "100")
    .option("--sites <n>", "sites the devices are spread over", "1")
    .option("--site <name>", "the site's name (with several: the prefix of NAME-1, NAME-2, …); with --gateway, the gateway's site", "fleet")
    .option("--duration <d>", "simulated time, e.g. 1h, 30m, 1d", "1h")
    .option("--speed <speed>", "max (as fast as the machine goes) or xK (K × real time)", "max")
    .option("--kiosks <n>", "voting load: kiosks per site, whose voters vote one after another through the run", "0")
    .option("--voters <n>", "voters per kiosk", "10")
    .option("--broker <url>", "a broker URL instead of the embedded one ('link': the in-process link, no sockets)")
    .option("--gateway <url>", "a real gateway: devices are enrolled through its admin API (it serves one site: use --sites 1)")
    .option("--token <token>", "the gateway's admin token (or SIGNET_ADMIN_TOKEN)")
    .option("--seed <seed>", "seed of keys and loads", "fleet")
    .action(async (o: { devices: string; sites: string; site: string; duration: string; speed: string; kiosks: string; voters: string; broker?: string; gateway?: string; token?: string; seed: string }) => {
      let durationMs: number;
      let speed: number | "max";
      try {
        durationMs = parseDurationFlag(o.duration);
        speed = parseSpeed(o.speed);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      const summary = await runFleet({
        devices: positiveInt(o.devices, "--devices"),
        sites: positiveInt(o.sites, "--sites"),
        site: o.site,
        durationMs,
        speed,
        kiosks: o.kiosks === "0" ? 0 : positiveInt(o.kiosks, "--kiosks"),
        votersPerKiosk: positiveInt(o.voters, "--voters"),
        broker: o.broker,
        gateway: o.gateway ? { url: o.gateway, token: tokenOf(o.token) } : undefined,
        seed: o.seed,
        progress: process.stderr.isTTY ? process.stderr : undefined,
        onWarning: (text) => process.stderr.write(`signet sim: ${text}\n`),
      });
      process.stdout.write(formatSummary(summary));
    });

  sim
    .command("panel")
    .description("a web page showing one simulated kiosk, live and clickable")
    .option("--port <port>", "HTTP port on 127.0.0.1 (0: a free port)", "8090")
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .option("--seed <seed>", "seed of the kiosk's keys", "panel")
    .option("--auth <mode>", "how voters authenticate: pin, fp or pin+fp", "pin")
    .action(async (o: { port: string; host: string; seed: string; auth: string }) => {
      if (!["pin", "fp", "pin+fp"].includes(o.auth)) throw new CliError(`--auth must be pin, fp or pin+fp, got "${o.auth}"`);
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0 … 65535, got "${o.port}"`);
      const panel = await startPanel({ port, host: o.host, seed: o.seed, auth: o.auth as "pin" | "fp" | "pin+fp" });
      process.stdout.write(`signet sim panel: ${panel.url}\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await panel.close();
    });

  return sim;
}

