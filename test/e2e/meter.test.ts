// Energy end to end: a simulated meter (the real S0 driver and firmware on an
// emulated meter) reports to the real gateway through a gateway restart and
// a period offline; the gateway's energy total equals the emulated meter's
// true energy to the pulse.
import { afterAll, beforeAll, expect, it } from "vitest";
import { decodeSign1, fromHex, parsePayload } from "../../firmware/protocol/index.ts";
import { runScenario } from "../../simulator/runner/run";
import { parseScenario } from "../../simulator/scenario/parse";
import { adminGateway, api, removeDataDir, type TestGateway } from "../ballots/setup.ts";

let gateway: TestGateway;

const METER = `
name: a meter through a gateway restart and an outage
seed: e2e-energy
site: town-hall
devices:
  - id: meter-e2e
    key: software
    fingerprint: false
    meters: [{ ch: 0, imp: 1000, load: 3600 }]
    interval: 10s
steps:
  - wait: 3m
  - { link: down }
  - { load: 1800 }
  - wait: 2m
  - { link: up }
  - wait: 1m
  - { load: 0 }
  - wait: 2m
  # Every whole pulse the meter emitted is in a reading (the true energy is continuous: within one pulse, 1 Wh), and every reading was acked.
  - expect: { energy: { ch: 0, within: 1 }, outbox: 0 }
`;

beforeAll(async () => {
  gateway = await adminGateway([], { site: "town-hall" });
});

afterAll(async () => {
  await gateway?.stop();
  if (gateway) removeDataDir(gateway);
});

it("the gateway's energy total equals the meter's true energy to the pulse, across a gateway restart and an outage", async () => {
  const base = gateway.httpUrl;
  const running = runScenario(parseScenario(METER, "energy.yaml"), { broker: gateway.mqttUrl, gateway: { url: base, token: gateway.token }, speed: 30 });
  // Restart the gateway (same ports, same data) while the meter is reporting.
  await new Promise((r) => setTimeout(r, 4000));
  gateway = await gateway.restart();
  const result = await running;
  expect(result.error).toBeUndefined();
  expect(result.checks.filter((c) => !c.ok)).toEqual([]);

  let pulses = 0;
  for (const line of result.messages) {
    const [topic, hex] = line.split(" ");
    if (!topic.endsWith("/reading")) continue;
    const reading = parsePayload(decodeSign1(fromHex(hex)).payload, ["reading"]);
    pulses += reading.d;
  }
  expect(pulses).toBeGreaterThan(0);
  const now = Math.floor(Date.now() / 1000);
  const energy = await api(gateway, `/api/energy?site=town-hall&bucket=1h&from=${now - 86400}&to=${now + 86400}`);
  // imp 1000: one pulse is one Wh.
  expect(energy.total).toEqual({ wh: pulses, estimated: false });
  expect(energy.devices.map((d: { dev: string }) => d.dev)).toEqual(["meter-e2e"]);
  expect(energy.series.reduce((sum: number, b: { wh: number }) => sum + b.wh, 0)).toBe(pulses);
  const devices = await api(gateway, "/api/devices");
  expect(devices.devices[0]).toMatchObject({ id: "meter-e2e", status: "active" });
  expect(devices.devices[0].lastSeen).toBeGreaterThan(0);
}, 90_000);
