// One shard of a parallel in-process fleet (simulator/fleet/parallel.ts).
import { parentPort, workerData } from "node:worker_threads";
import { runFleet } from "./fleet";
import { nodeKeyStore } from "./node-keys";
import type { ShardInput } from "./parallel";

const input = workerData as ShardInput;
const summary = await runFleet({
  devices: input.devices,
  firstDevice: input.firstDevice,
  sites: 1,
  durationMs: input.durationMs,
  speed: "max",
  broker: "link",
  seed: input.seed,
  keys: input.keys === "node" ? (storage, random) => nodeKeyStore(storage, random) : undefined,
});
parentPort!.postMessage(summary);
