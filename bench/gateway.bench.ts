// `npm run bench -- gateway`: messages accepted and committed per second,
// end to end (MQTT publishers → embedded broker → rules 1–8 → one SQLite
// transaction and one checkpoint per scan cycle → signed acks), with p50/p99
// publish→ack latency, next to two baselines measured in the same run: the
// broker alone (same publishers, same messages, an in-process subscriber, no
// verification) and node:crypto verification alone (rules 1–7, one thread).
import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import {
  algName,
  assembleSign1,
  decodeEntry,
  deviceTopic,
  encodePayload,
  normalizeLowS,
  protectedHeader,
  sigStructure,
  type Alg,
} from "../firmware/protocol/index.ts";
import { EmbeddedBroker } from "../gateway/broker/embedded.ts";
import { hashPassword } from "../gateway/broker/credentials.ts";
import { loadConfig } from "../gateway/config.ts";
import { startGateway } from "../gateway/gateway.ts";
import { Verifier, type EnrolledDevice } from "../gateway/verify.ts";
import type { PublisherDevice, PublishersInput, PublishersResult } from "./gateway-publishers.ts";
import { formatRate, rate, table } from "./measure.ts";

const here = dirname(fileURLToPath(import.meta.url));
/** Readings are one minute apart and end before the run starts. */
const READINGS_FROM = Math.floor(Date.now() / 1000) - 6 * 3600;
const SITE = "bench-site";
const DEVICES = 50;
const PER_DEVICE = 300;
/** Messages a device keeps in flight (its outbox flushing), as firmware would after a reconnect. */
const WINDOW = Number(process.env.BENCH_WINDOW ?? 20);

interface BenchDevice extends PublisherDevice {
  readonly alg: Alg;
  readonly pub: Uint8Array;
}

function keyPair(alg: Alg): { privateKey: KeyObject; pub: Uint8Array } {
  if (alg === -7) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    return { privateKey, pub: new Uint8Array(Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")])) };
  }
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey, pub: new Uint8Array(publicKey.export({ format: "der", type: "spki" }).subarray(-32)) };
}

/** Devices with their meter readings signed in advance (readings are a site's bulk traffic, and need no ballot or roll) (node:crypto; low-S for ES256, as §3 asks), so signing costs nothing during the run. */
function makeDevices(alg: Alg, prefix: string): BenchDevice[] {
  const devices: BenchDevice[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const id = `${prefix}-${i}`;
    const { privateKey, pub } = keyPair(alg);
    const prot = protectedHeader(alg, id);
    const messages = [];
    for (let seq = 1; seq <= PER_DEVICE; seq++) {
      const to = READINGS_FROM + seq * 60;
      const payload = encodePayload({ v: 1, t: "reading", dev: id, seq, ts: to, ch: 0, count: seq * 10, d: 10, imp: 1000, from: to - 60, to });
      const signed = sigStructure(prot, payload);
      const signature =
        alg === -7 ? normalizeLowS(new Uint8Array(cryptoSign("sha256", signed, { key: privateKey, dsaEncoding: "ieee-p1363" }))) : new Uint8Array(cryptoSign(null, signed, privateKey));
      messages.push({ seq, bytes: assembleSign1(prot, payload, signature) });
    }
    devices.push({ id, password: `bench-password-${i}`, site: SITE, alg, pub, messages });
  }
  return devices;
}

/** Runs the publishers in a worker thread (their own event loop, sharing the machine's cores with the gateway). */
async function publish(input: PublishersInput, onReady: () => void = () => {}): Promise<PublishersResult> {
  const entry = pathToFileURL(join(here, "gateway-publishers.ts")).href;
  const worker = new Worker(`import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, {
    eval: true,
    workerData: input,
  });
  try {
    return await new Promise<PublishersResult>((resolve, reject) => {
      worker.on("error", reject);
      worker.on("message", (m: { ready?: boolean; result?: PublishersResult }) => {
        if (m.ready) {
          onReady();
          worker.postMessage("go");
        }
        if (m.result) resolve(m.result);
      });
    });
  } finally {
    await worker.terminate();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function verificationAlone(devices: readonly BenchDevice[]): number {
  const enrolled = new Map<string, EnrolledDevice>(devices.map((d, i) => [d.id, { rowid: i + 1, id: d.id, site: SITE, alg: d.alg, pub: d.pub, status: "active" }]));
  const verifier = new Verifier({ device: (id) => enrolled.get(id) });
  const flat = devices.flatMap((d) => d.messages.map((m) => ({ topic: deviceTopic(SITE, d.id, "reading"), bytes: m.bytes })));
  let i = 0;
  return rate(() => {
    const m = flat[i++ % flat.length];
    if (!verifier.verify(m.topic, m.bytes, 0).ok) throw new Error("a benchmark message failed verification");
  }, 2).perSecond;
}

async function brokerAlone(devices: readonly BenchDevice[]): Promise<PublishersResult & { received: number }> {
  const accounts = new Map(await Promise.all(devices.map(async (d) => [d.id, { site: SITE, status: "active" as const, passwordHash: await hashPassword(d.password) }] as const)));
  const broker = await EmbeddedBroker.start({ host: "127.0.0.1", port: 0, site: SITE, account: (id) => accounts.get(id), gatewayPassword: "bench-gateway-password" });
  let received = 0;
  await broker.subscribe(() => received++);
  try {
    const result = await publish({ url: broker.url, devices, window: WINDOW, completion: "puback" });
    return { ...result, received };
  } finally {
    await broker.close();
  }
}

async function gatewayEndToEnd(devices: readonly BenchDevice[]): Promise<PublishersResult & { committed: number; cycles: number; overruns: number; coresBusy: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), "signet-bench-"));
  const gateway = await startGateway(loadConfig({ data: dataDir, http: 0, mqtt: 0 }, { SIGNET_SITE: SITE, SIGNET_CRYPTO_THREADS: process.env.SIGNET_CRYPTO_THREADS, SIGNET_SCAN_CYCLE_MS: process.env.SIGNET_SCAN_CYCLE_MS }));
  try {
    await Promise.all(devices.map((d) => gateway.registry.enroll({ id: d.id, site: SITE, alg: d.alg, pub: d.pub, password: d.password })));
    const sizeBefore = gateway.ledger.size;
    const cyclesBefore = gateway.scan.cycles;
    const overrunsBefore = (await gateway.metrics.overruns.get()).values[0]?.value ?? 0;
    const cpu = process.cpuUsage();
    const result = await publish({ url: gateway.mqttUrl, devices, window: WINDOW, completion: "ack" });
    const used = process.cpuUsage(cpu);
    const coresBusy = (used.user + used.system) / 1e6 / result.seconds;
    const overruns = ((await gateway.metrics.overruns.get()).values[0]?.value ?? 0) - overrunsBefore;
    // Device messages only: the cycle also commits its hourly rollups beside them.
    let committed = 0;
    for (let i = sizeBefore; i < gateway.ledger.size; i++) if (decodeEntry(gateway.ledger.entry(i)).k === "msg") committed++;
    return { ...result, committed, cycles: gateway.scan.cycles - cyclesBefore, overruns, coresBusy };
  } finally {
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const total = DEVICES * PER_DEVICE;
  console.log(`${DEVICES} devices × ${PER_DEVICE} readings = ${total} messages per run, ${WINDOW} in flight per device, scan cycle 100 ms`);
  const rows: string[][] = [["", "msgs/s", "p50 ms", "p99 ms", "vs slower baseline"]];
  for (const alg of [-7, -8] as Alg[]) {
    const name = algName(alg);
    const devices = makeDevices(alg, `bench-${name.toLowerCase()}`);
    const verify = verificationAlone(devices);
    const broker = await brokerAlone(devices);
    if (broker.received !== total) throw new Error(`the broker delivered ${broker.received} of ${total} messages`);
    const brokerRate = total / broker.seconds;
    const gateway = await gatewayEndToEnd(devices);
    if (gateway.committed !== total) throw new Error(`the gateway committed ${gateway.committed} of ${total} messages`);
    const gatewayRate = total / gateway.seconds;
    const slower = Math.min(verify, brokerRate);
    rows.push([`${name}: node:crypto verification alone (rules 1–7, 1 thread)`, formatRate({ ops: 0, seconds: 0, perSecond: verify }), "", "", ""]);
    rows.push([`${name}: broker alone (publish → subscriber, PUBACK window)`, formatRate({ ops: 0, seconds: 0, perSecond: brokerRate }), percentile(broker.latencies, 50).toFixed(1), percentile(broker.latencies, 99).toFixed(1), ""]);
    rows.push([
      `${name}: gateway, accepted and committed (publish → signed ack)`,
      formatRate({ ops: 0, seconds: 0, perSecond: gatewayRate }),
      percentile(gateway.latencies, 50).toFixed(1),
      percentile(gateway.latencies, 99).toFixed(1),
      `${(gatewayRate / slower).toFixed(2)}×`,
    ]);
    console.log(
      `${name}: ${gateway.cycles} scan cycles, ${(total / Math.max(1, gateway.cycles)).toFixed(0)} messages per cycle on average, ${gateway.overruns} overruns; this process (gateway + publishers) kept ${gateway.coresBusy.toFixed(2)} of ${availableParallelism()} cores busy`,
    );
  }
  table(rows);
  console.log("goal: gateway ≥ 0.5× the slower baseline, and ≥ 8,000 committed msgs/s with ES256 (P-256) devices");

  const ledgerBench = join(here, "ledger.bench.ts");
  if (process.env.SKIP_LEDGER_BENCH) return;
  if (existsSync(ledgerBench)) {
    console.log("\n# ledger (bench/ledger.bench.ts)");
    const mod = (await import(pathToFileURL(ledgerBench).href)) as { run(): Promise<void> };
    await mod.run();
  }
}
