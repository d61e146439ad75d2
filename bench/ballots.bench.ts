// `npm run bench -- ballots`: what a tally of 10^5 and 10^6 weighted votes
// costs, and how fast the dashboard's results and energy endpoints answer
// with that many votes and readings behind them. Baselines measured in the
// same run: for the tally, one plain pass over the same votes summing
// weights (the least any count can do); for the endpoints, /api/summary on
// the same server (a route that reads nothing).
import Fastify from "fastify";
import { formatRoll } from "../gateway/ballots/roll.ts";
import { BallotBook } from "../gateway/ballots/book.ts";
import { tally, type CommittedVote } from "../gateway/ballots/tally.ts";
import { HealthBoard } from "../gateway/health.ts";
import { apiRoutes } from "../gateway/http/api.ts";
import { gatewayKeyFromSeed } from "../gateway/key.ts";
import { BlobStore } from "../gateway/ledger/blobs.ts";
import { Ledger } from "../gateway/ledger/ledger.ts";
import { openDatabase } from "../gateway/ledger/store.ts";
import { MeterBook } from "../gateway/meters/book.ts";
import { GatewayMetrics } from "../gateway/metrics.ts";
import { Registry } from "../gateway/registry.ts";
import { RejectStore } from "../gateway/rejects.ts";
import type { AcceptedMessage } from "../gateway/scan.ts";
import type { VerifiedMessage } from "../gateway/verify.ts";
import { signPayload, type Ballot } from "../firmware/protocol/index.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { table } from "./measure.ts";

const SIZES = [100_000, 1_000_000];
const OPTIONS = ["yes", "no", "abstain"];
const REQUESTS = 30;
const NOW = 1_795_300_000;

/** A deterministic pseudo-random sequence (xorshift), so every run counts the same votes. */
function* random(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield (x >>> 0) / 2 ** 32;
  }
}

function voterId(i: number): string {
  return `v${String(i).padStart(7, "0")}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function latency(url: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS + 3; i++) {
    const t0 = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    if (i >= 3) times.push(performance.now() - t0);
  }
  return median(times);
}

interface Figures {
  readonly n: number;
  readonly tallyMs: number;
  readonly baselineMs: number;
  readonly resultsMs: number;
  readonly listMs: number;
  readonly energyMs: number;
  readonly energyDevicesMs: number;
  readonly summaryMs: number;
  readonly turnout: number;
}

async function measure(n: number): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), "signet-bench-ballots-"));
  const db = openDatabase(join(dir, "gateway.db"));
  try {
    const key = gatewayKeyFromSeed("bench.example/ballots", new Uint8Array(32).fill(2));
    const adminSeed = new Uint8Array(32).fill(4);
    const ledger = Ledger.open(db, key);
    let leaf = 0;
    const commit = async (_kind: string, _cose: Uint8Array, apply: (leaf: number, at: number) => void) => {
      db.transaction(() => apply(leaf, NOW * 1000))();
      leaf++;
      return { leaf: leaf - 1, size: leaf };
    };
    const { publicKeyOf } = await import("../firmware/protocol/index.ts");
    const admins = [{ kid: "admin.bench", alg: -8, pub: publicKeyOf(-8, adminSeed) }];
    const blobs = BlobStore.open(dir);
    const ballots = new BallotBook({ db, key, blobs, site: "bench", admins: () => admins, commit, publish: async () => {}, now: () => NOW * 1000 });
    const meters = new MeterBook({ db, key, site: "bench" });

    // The roll: n voters, weights 1 … 100 (shares).
    const rnd = random(42);
    const weights: [string, number][] = [];
    for (let i = 0; i < n; i++) weights.push([voterId(i), 1 + Math.floor(rnd.next().value * 100)]);
    await ballots.importRoll("members", formatRoll(weights));
    const ballot: Ballot = {
      v: 1,
      t: "ballot",
      ts: NOW,
      id: "motion",
      rev: 1,
      title: "Motion",
      options: OPTIONS.map((id) => ({ id, label: id })),
      opens: NOW - 10,
      closes: NOW + 3600,
      rule: { kind: "threshold", option: "yes", num: 2, den: 3, base: "cast" },
      quorum: { num: 1, den: 2 },
      roll: "members",
    };
    // The ballot was accepted already open: its roll is the one committed before it.
    await ballots.submit(signPayload(-8, "admin.bench", ballot, adminSeed));

    // n votes, one per voter, committed in scan-cycle-sized batches.
    const device = { rowid: 1, id: "kiosk-1", site: "bench", alg: -8 as const, pub: new Uint8Array(32), status: "active" as const };
    const votes: CommittedVote[] = [];
    const BATCH = 20_000;
    for (let start = 0; start < n; start += BATCH) {
      const accepted: AcceptedMessage[] = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) {
        const choice = OPTIONS[Math.floor(rnd.next().value * 3)];
        const message: VerifiedMessage = {
          topic: "signet/v1/bench/kiosk-1/vote",
          bytes: new Uint8Array(0),
          device,
          payload: { v: 1, t: "vote", dev: "kiosk-1", seq: i + 1, ts: NOW, ballot: "motion", choice, voter: voterId(i), auth: "pin" },
          receivedAt: NOW * 1000,
        };
        accepted.push({ message, leaf: leaf });
        votes.push({ leaf, voter: voterId(i), choice });
        leaf++;
      }
      db.transaction(() => ballots.committed(accepted))();
    }

    // n readings: households reporting every minute over the 24 h before NOW.
    const households = Math.max(1, Math.round(n / 1440));
    const meterDevice = (d: number) => ({ rowid: 2 + d, id: `meter-${String(d).padStart(4, "0")}`, site: "bench", alg: -8 as const, pub: new Uint8Array(32), status: "active" as const });
    const counts = new Array<number>(households).fill(0);
    for (let start = 0; start < n; start += BATCH) {
      const accepted: AcceptedMessage[] = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) {
        const d = i % households;
        const minute = Math.floor(i / households);
        const pulses = 1 + Math.floor(rnd.next().value * 30);
        counts[d] += pulses;
        const from = NOW - 86_400 + minute * 60;
        const dev = meterDevice(d);
        const message: VerifiedMessage = {
          topic: `signet/v1/bench/${dev.id}/reading`,
          bytes: new Uint8Array(0),
          device: dev,
          payload: { v: 1, t: "reading", dev: dev.id, seq: minute + 1, ts: from + 60, ch: 0, count: counts[d], d: pulses, imp: 1000, from, to: from + 60 },
          receivedAt: (from + 60) * 1000,
        };
        accepted.push({ message, leaf: leaf++ });
      }
      db.transaction(() => meters.committed(accepted, { now: NOW * 1000, sizeBefore: leaf }))();
    }

    // The tally itself, as the close computes it, against one plain pass over the same votes.
    const roll = new Map(weights);
    const tallyTimes: number[] = [];
    const baselineTimes: number[] = [];
    let turnout = 0;
    for (let round = 0; round < 5; round++) {
      let t0 = performance.now();
      turnout = tally(ballot, roll, votes, Number.MAX_SAFE_INTEGER).turnout;
      tallyTimes.push(performance.now() - t0);
      t0 = performance.now();
      let sum = 0;
      for (const v of votes) sum += roll.get(v.voter) ?? 0;
      baselineTimes.push(performance.now() - t0);
      if (sum !== turnout) throw new Error(`the plain pass sums ${sum}, the tally ${turnout}`);
    }

    // Close the ballot: the next cycles commit the tally record.
    const closeCycle = { now: (NOW + 3600) * 1000, sizeBefore: leaf };
    ballots.records(closeCycle);
    for (const r of ballots.records({ now: closeCycle.now, sizeBefore: leaf })) db.transaction(() => r.apply?.(leaf++))();
    if (ballots.view("motion")?.result === null) throw new Error("the tally was not committed");

    const app = Fastify();
    const registry = new Registry(db, { site: "bench", key, reservedNames: () => [] });
    await app.register(
      apiRoutes({ site: "bench", key, ledger, ballots, meters, registry, health: new HealthBoard(db), rejects: new RejectStore(db), metrics: new GatewayMetrics(), now: () => NOW * 1000 }),
    );
    const base = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const summaryMs = await latency(`${base}/api/summary`);
      const resultsMs = await latency(`${base}/api/ballots/motion`);
      const listMs = await latency(`${base}/api/ballots`);
      const energyMs = await latency(`${base}/api/energy?site=bench&bucket=1h&from=${NOW - 86_400}&to=${NOW}&dev=meter-0000`);
      const energyDevicesMs = await latency(`${base}/api/energy?site=bench&bucket=1h&from=${NOW - 86_400}&to=${NOW}`);
      return { n, tallyMs: median(tallyTimes), baselineMs: median(baselineTimes), resultsMs, listMs, energyMs, energyDevicesMs, summaryMs, turnout };
    } finally {
      await app.close();
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const figures: Figures[] = [];
  for (const n of SIZES) figures.push(await measure(n));
  const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
  console.log("tally (PROTOCOL §4.6) of n weighted votes, one per voter, threshold rule; baseline: one plain pass summing the same votes' weights");
  table([
    ["votes", "tally", "baseline pass", "ratio", "turnout (weight)"],
    ...figures.map((f) => [f.n.toLocaleString("en-US"), ms(f.tallyMs), ms(f.baselineMs), ratio(f.tallyMs, f.baselineMs), f.turnout.toLocaleString("en-US")]),
  ]);
  console.log("");
  console.log(`read API latency (median of ${REQUESTS} requests over HTTP on 127.0.0.1) with n votes committed and n readings (households × a reading a minute over 24 h); baseline: /api/summary on the same server`);
  table([
    ["n", "/api/summary", "/api/ballots/{id}", "ratio", "/api/ballots", "ratio", "/api/energy (1 device, 24 × 1h)", "ratio", "/api/energy (site + every device)", "ratio", "households"],
    ...figures.map((f) => [
      f.n.toLocaleString("en-US"),
      ms(f.summaryMs),
      ms(f.resultsMs),
      ratio(f.resultsMs, f.summaryMs),
      ms(f.listMs),
      ratio(f.listMs, f.summaryMs),
      ms(f.energyMs),
      ratio(f.energyMs, f.summaryMs),
      ms(f.energyDevicesMs),
      ratio(f.energyDevicesMs, f.summaryMs),
      String(Math.max(1, Math.round(f.n / 1440))),
    ]),
  ]);
}
