// End to end with the real gateway: the simulator enrols its kiosk through
// the gateway's admin API, provisions it with the gateway's key, and a voter
// votes; the vote ends in the gateway's log and the kiosk shows the receipt
// code of that log entry.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALG_EDDSA, decodeEntry, leafHash, publicKeyOf, receiptCode, toHex } from "../../firmware/protocol/index";
import { loadConfig } from "../../gateway/config";
import { startGateway, type Gateway } from "../../gateway/gateway";
import { runFleet } from "../../simulator/fleet/fleet";
import { runScenario } from "../../simulator/runner/run";
import { standInKeys } from "../../simulator/scenario/gateway";
import { parseScenario } from "../../simulator/scenario/parse";

const run = promisify(execFile);
const SIGNET = new URL("../../bin/signet.js", import.meta.url).pathname;

const VOTE = `
name: a vote into the real gateway
seed: e2e
site: town-hall
ballots:
  - { id: agm-2026.item-9, title: "Item 9: budget", options: [yes, no] }
devices:
  - id: kiosk-e2e
    voters: [{ number: 12, id: shareholder-12, pin: "4321" }]
steps:
  - wait: 2s
  - expect: { display: "Press # to vote" }
  - keys: "#12#4321#"
  - press: opt2
  - press: confirm
  - wait: 10s
  - expect: { receipt: true, acked: { type: vote, count: 1 } }
`;

const METER = `
name: readings into the real gateway
seed: e2e-meter
site: town-hall
devices:
  - id: meter-e2e
    key: software
    fingerprint: false
    meters: [{ ch: 0, imp: 1000, load: 3000 }]
    interval: 10s
steps:
  - wait: 65s
  - expect: { acked: { type: reading, min: 5 }, outbox: 0 }
`;

let gateway: Gateway;
let dataDir: string;
let token: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "signet-sim-gw-"));
  // The administrator whose key signs the scenario's ballots (derived from the scenario's seed).
  const admin = standInKeys("e2e", "town-hall");
  const file = join(dataDir, "gateway.yaml");
  writeFileSync(file, `admins:\n  - { kid: ${admin.adminKid}, alg: EdDSA, pub: ${toHex(publicKeyOf(ALG_EDDSA, admin.adminKey))} }\n`);
  const config = loadConfig({ config: file, data: dataDir, http: 0, mqtt: 0 }, { SIGNET_SITE: "town-hall", SIGNET_SCAN_CYCLE_MS: "20" });
  token = config.adminTokens[0];
  gateway = await startGateway(config);
});

afterAll(async () => {
  await gateway?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function ledgerMessages(): { cose: string; code: string }[] {
  const out: { cose: string; code: string }[] = [];
  for (let i = 0; i < gateway.ledger.size; i++) {
    const bytes = gateway.ledger.entry(i);
    const entry = decodeEntry(bytes);
    if (entry.k === "msg") out.push({ cose: toHex(entry.cose), code: receiptCode(leafHash(bytes)) });
  }
  return out;
}

describe("the simulator feeding a real gateway", () => {
  it("a vote cast on a simulated kiosk is committed to the gateway's log and its receipt code is on the kiosk", async () => {
    // The roll and the signed ballot go in through the admin API; the gateway publishes the ballot to the kiosk.
    const result = await runScenario(parseScenario(VOTE, "e2e.yaml"), { broker: gateway.mqttUrl, gateway: { url: gateway.httpUrl, token }, speed: 20 });
    expect(result.error).toBeUndefined();
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.passed).toBe(true);

    const vote = result.messages.find((m) => m.includes("/kiosk-e2e/vote "))!;
    const committed = ledgerMessages().find((m) => m.cose === vote.split(" ")[1]);
    expect(committed).toBeDefined();
    const shown = result.trace.find((line) => line.includes("kiosk-e2e screen: \"Vote recorded Receipt:"));
    expect(shown).toContain(committed!.code);
    expect(gateway.registry.list().map((d) => d.id)).toContain("kiosk-e2e");
    const kinds = Array.from({ length: gateway.ledger.size }, (_, i) => decodeEntry(gateway.ledger.entry(i)).k);
    expect(kinds).toContain("roll");
    expect(kinds).toContain("ballot");
  });

  it("`signet sim run --gateway` enrols a meter and its readings are acked and committed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "signet-sim-cli-"));
    try {
      const file = join(dir, "meter.yaml");
      writeFileSync(file, METER);
      const { stdout } = await run(process.execPath, [SIGNET, "sim", "run", file, "--gateway", gateway.httpUrl, "--token", token, "--broker", gateway.mqttUrl, "--speed", "20"]);
      expect(stdout).toContain("PASS");
      expect(stdout).toContain("1 of 1 scenario(s) passed");
      const readings = ledgerMessages().length;
      expect(readings).toBeGreaterThanOrEqual(5 + 1); // the vote above and at least five readings
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a fleet of meters enrolled through the admin API has every reading acked by the gateway and committed", async () => {
    const before = ledgerMessages().length;
    const summary = await runFleet({ devices: 8, sites: 1, site: "town-hall", durationMs: 5 * 60_000, speed: "max", broker: gateway.mqttUrl, gateway: { url: gateway.httpUrl, token }, seed: "e2e-fleet" });
    expect(summary.rejected).toBe(0);
    expect(summary.acked).toBeGreaterThanOrEqual(8 * 4);
    expect(ledgerMessages().length - before).toBe(summary.acked);
    expect(gateway.registry.list().filter((d) => /^meter-\d{4}$/.test(d.id))).toHaveLength(8);
  });

  it("a fleet's voting kiosks publish their ballot and roll through the admin API and their votes are committed", async () => {
    // A gateway of its own: the kiosks' voting script expects the fleet's ballot to be the only one open.
    const dir = mkdtempSync(join(tmpdir(), "signet-sim-gw-poll-"));
    const admin = standInKeys("e2e-poll", "poll-hall");
    writeFileSync(join(dir, "gateway.yaml"), `admins:\n  - { kid: ${admin.adminKid}, alg: EdDSA, pub: ${toHex(publicKeyOf(ALG_EDDSA, admin.adminKey))} }\n`);
    const config = loadConfig({ config: join(dir, "gateway.yaml"), data: dir, http: 0, mqtt: 0 }, { SIGNET_SITE: "poll-hall", SIGNET_SCAN_CYCLE_MS: "20" });
    const poll = await startGateway(config);
    try {
      const summary = await runFleet({ devices: 1, sites: 1, site: "poll-hall", durationMs: 5 * 60_000, speed: "max", broker: poll.mqttUrl, gateway: { url: poll.httpUrl, token: config.adminTokens[0] }, seed: "e2e-poll", kiosks: 1, votersPerKiosk: 2 });
      expect(summary).toMatchObject({ rejected: 0, votes: 2 });
      const kinds = Array.from({ length: poll.ledger.size }, (_, i) => decodeEntry(poll.ledger.entry(i)));
      expect(kinds.filter((e) => e.k === "ballot")).toHaveLength(1);
      expect(kinds.filter((e) => e.k === "msg" && toHex(e.cose).includes("617464766f7465"))).toHaveLength(2);
    } finally {
      await poll.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
