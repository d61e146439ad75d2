// An in-process fleet spread over worker threads: devices are independent
// (each has its own link to its site's stand-in gateway), so shards of the
// fleet run on every core and their summaries add up. Used by the benchmark;
// fleets on a real broker stay in one process (one stand-in per site).
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { percentile, type FleetSummary } from "./fleet";

export interface ParallelFleetOptions {
  readonly devices: number;
  readonly durationMs: number;
  readonly seed?: string;
  /** "node": the node:crypto key store (same signatures); "firmware": the firmware's own. */
  readonly keys: "node" | "firmware";
  /** Threads; one per core by default. */
  readonly workers?: number;
}

export interface ShardInput {
  readonly devices: number;
  readonly firstDevice: number;
  readonly durationMs: number;
  readonly seed: string;
  readonly keys: "node" | "firmware";
}

const ENTRY = new URL("./fleet-worker.ts", import.meta.url).href;

export async function runFleetParallel(options: ParallelFleetOptions): Promise<FleetSummary> {
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), options.devices));
  const per = Math.ceil(options.devices / workers);
  const started = performance.now();
  const shards = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const first = w * per;
      const input: ShardInput = { devices: Math.min(per, options.devices - first), firstDevice: first + 1, durationMs: options.durationMs, seed: options.seed ?? "fleet", keys: options.keys };
      return new Promise<FleetSummary>((resolve, reject) => {
        const worker = new Worker(`import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(ENTRY)}); })`, { eval: true, workerData: input });
        worker.once("message", (summary: FleetSummary) => resolve(summary));
        worker.once("error", reject);
        worker.once("exit", (code) => code !== 0 && reject(new Error(`fleet shard ${w} exited with ${code}`)));
      });
    }),
  );
  const wallMs = performance.now() - started;
  const latencies = shards.flatMap((s) => s.latencies ?? []);
  const sum = (pick: (s: FleetSummary) => number) => shards.reduce((n, s) => n + pick(s), 0);
  return {
    devices: options.devices,
    sites: 1,
    simulatedMs: options.durationMs,
    wallMs,
    signed: sum((s) => s.signed),
    published: sum((s) => s.published),
    acked: sum((s) => s.acked),
    rejected: sum((s) => s.rejected),
    votes: sum((s) => s.votes),
    latencyMeanMs: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0,
    latencyP99Ms: percentile(latencies, 0.99),
    meterWh: sum((s) => s.meterWh),
    transport: `in-process link, ${workers} worker thread(s)`,
  };
}
