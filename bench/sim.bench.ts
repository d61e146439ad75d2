// `npm run bench -- sim`: what the simulator costs.
//  1. Simulated device-hours per wall-clock second for metering-only devices
//     (virtual clock, Node engine, in-process link, the stand-in gateway
//     acking every reading) at 1, 100 and 1,000 devices, with the firmware's
//     own key store (@noble/curves, as on the board) and with a node:crypto
//     key store that gives the same signatures; the 1,000 × 24 h target
//     (< 60 s) is projected from the measured rate.
//  2. The fleet's sustained signed messages/s into the embedded broker (every
//     device on its own connection), next to raw MQTT publishes/s of
//     pre-built messages from the same number of connections.
import { performance } from "node:perf_hooks";
import mqtt, { type MqttClient } from "mqtt";
import { formatSummary, runFleet, type FleetSummary } from "../simulator/fleet/fleet.ts";
import { nodeKeyStore } from "../simulator/fleet/node-keys.ts";
import { runFleetParallel } from "../simulator/fleet/parallel.ts";
import { startRunBroker } from "../simulator/runner/broker.ts";
import { table } from "./measure.ts";

const HOUR = 3_600_000;

function deviceHoursPerSecond(s: FleetSummary): number {
  return (s.devices * s.simulatedMs) / HOUR / (s.wallMs / 1000);
}

async function metering(devices: number, durationMs: number, keys: "firmware" | "node"): Promise<FleetSummary> {
  return runFleet({ devices, sites: 1, durationMs, speed: "max", broker: "link", seed: `bench-${devices}`, keys: keys === "node" ? (storage, random) => nodeKeyStore(storage, random) : undefined });
}

/** Raw QoS 1 publishes of pre-built messages from `connections` clients, `window` in flight each, until `perClient` each are PUBACKed. */
async function rawPublishes(connections: number, perClient: number, window: number, message: Uint8Array): Promise<number> {
  const broker = await startRunBroker();
  const clients: MqttClient[] = [];
  try {
    for (let i = 0; i < connections; i++) {
      const client = mqtt.connect(broker.url, { clientId: `raw-${i}`, clean: true, reconnectPeriod: 0 });
      clients.push(client);
    }
    await Promise.all(clients.map((c) => new Promise<void>((resolve) => c.once("connect", () => resolve()))));
    const payload = Buffer.from(message);
    const start = performance.now();
    await Promise.all(
      clients.map(
        (client, i) =>
          new Promise<void>((resolve) => {
            let sent = 0;
            let done = 0;
            const topic = `signet/v1/fleet/raw-${i}/reading`;
            const next = () => {
              while (sent < perClient && sent - done < window) {
                sent++;
                client.publish(topic, payload, { qos: 1 }, () => {
                  done++;
                  if (done === perClient) resolve();
                  else next();
                });
              }
            };
            next();
          }),
      ),
    );
    return (connections * perClient) / ((performance.now() - start) / 1000);
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await broker.close();
  }
}

export async function run(): Promise<void> {
  console.log("metering-only devices, virtual clock, Node engine, in-process link, a reading a minute, every reading acked");
  const rows: string[][] = [["devices", "key store", "simulated", "wall", "device-hours/s", "1,000 × 24 h would take"]];
  const cases: [number, number, "firmware" | "node"][] = [
    [1, 24 * HOUR, "firmware"],
    [100, 1 * HOUR, "firmware"],
    [1000, 0.1 * HOUR, "firmware"],
    [1, 24 * HOUR, "node"],
    [100, 1 * HOUR, "node"],
    [1000, 0.2 * HOUR, "node"],
  ];
  for (const [devices, duration, keys] of cases) {
    const s = await metering(devices, duration, keys);
    const rate = deviceHoursPerSecond(s);
    rows.push([
      String(devices),
      keys === "firmware" ? "@noble (firmware)" : "node:crypto",
      `${(duration / HOUR).toFixed(1)} h`,
      `${(s.wallMs / 1000).toFixed(1)} s`,
      rate.toFixed(1),
      `${((1000 * 24) / rate).toFixed(0)} s (target < 60 s)`,
    ]);
  }
  const parallel = await runFleetParallel({ devices: 1000, durationMs: 0.2 * HOUR, keys: "node", seed: "bench-1000" });
  const parallelRate = deviceHoursPerSecond(parallel);
  rows.push(["1000", `node:crypto, ${parallel.transport.split(", ")[1]}`, "0.2 h", `${(parallel.wallMs / 1000).toFixed(1)} s`, parallelRate.toFixed(1), `${((1000 * 24) / parallelRate).toFixed(0)} s (target < 60 s)`]);
  table(rows);
  console.log("(every row: the firmware verifies each signed ack with @noble/curves, as on the board — about half of the time; see README, Simulator)");

  console.log("\nfleet into the embedded broker (aedes, 127.0.0.1), each device on its own MQTT connection, stand-in gateway acking");
  const fleetRows: string[][] = [["devices", "simulated", "wall", "signed msg/s", "raw publishes/s (same connections)", "ratio", "p99 publish→ack"]];
  for (const [devices, minutes] of [
    [100, 30],
    [1000, 5],
  ] as const) {
    const s = await runFleet({ devices, sites: 1, durationMs: minutes * 60_000, speed: "max", broker: "embedded", seed: `bench-fleet-${devices}`, keys: (storage, random) => nodeKeyStore(storage, random) });
    console.log(formatSummary(s).trimEnd());
    const signedPerSecond = s.acked / (s.wallMs / 1000);
    const raw = await rawPublishes(devices, Math.max(20, Math.ceil(s.acked / devices)), 4, new Uint8Array(180).fill(0xa5));
    fleetRows.push([
      String(devices),
      `${minutes} min`,
      `${(s.wallMs / 1000).toFixed(1)} s`,
      Math.round(signedPerSecond).toLocaleString("en-US"),
      Math.round(raw).toLocaleString("en-US"),
      `${(signedPerSecond / raw).toFixed(2)}`,
      `${s.latencyP99Ms.toFixed(0)} ms`,
    ]);
  }
  table(fleetRows);
}
