// `npm run bench -- ledger`: what an append and a proof cost as the log grows
// from 10^3 to 10^6 entries. Both must grow with log2(n), not n: the table
// prints each figure's ratio to the 10^3 row next to log2(n)/log2(10^3), the
// baseline a logarithmic structure should follow.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signPayload, type Entry } from "../firmware/protocol/index.ts";
import { gatewayKeyFromSeed } from "../gateway/key.ts";
import { Ledger } from "../gateway/ledger/ledger.ts";
import { openDatabase, type Db } from "../gateway/ledger/store.ts";
import { table } from "./measure.ts";

const SIZES = [1_000, 100_000, 1_000_000];
const BUILD_BATCH = 50_000; // entries per transaction while filling the log
const CYCLE = 100; // entries per measured scan cycle
const CYCLES = 20;
const PROOF_SAMPLES = 2_000;
const ROUNDS = 5;
const T0 = 1_795_300_000_000;

/** Rows of the table, for bench/gateway.bench.ts to print beside its own. */
export interface LedgerFigure {
  readonly size: number;
  /** One scan cycle's append of CYCLE entries plus its checkpoint, in µs per entry (no fsync: rolled back). */
  readonly appendMicros: number;
  readonly inclusionHashes: number;
  readonly consistencyHashes: number;
  readonly inclusionProofsPerSecond: number;
  /** Bytes written to the WAL per entry by committed scan cycles: what the disk sees. */
  readonly walBytesPerEntry: number;
  readonly buildSeconds: number;
}

export async function measureLedger(sizes = SIZES): Promise<LedgerFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), "signet-bench-ledger-"));
  const path = join(dir, "gateway.db");
  const db = openDatabase(path);
  try {
    const key = gatewayKeyFromSeed("bench.example/ledger", new Uint8Array(32).fill(1));
    const ledger = Ledger.open(db, key);
    // A real vote as a kiosk signs it; its last 4 bytes are overwritten with a counter so every leaf differs.
    const vote = signPayload(-8, "kiosk-07", { v: 1, t: "vote", dev: "kiosk-07", seq: 1, ts: T0 / 1000, ballot: "agm-2026", choice: "yes", voter: "shareholder-118", auth: "pin" }, new Uint8Array(32).fill(2));
    let counter = 0;
    const entry = (): Entry => {
      const cose = vote.slice();
      new DataView(cose.buffer).setUint32(cose.length - 4, counter++);
      return { at: T0 + counter, k: "msg", cose };
    };
    ledger.append([{ at: T0, k: "config", cose: key.signRecord({ v: 1, t: "config", ts: T0 / 1000, origin: key.name, admins: [] }) }]);
    appendRound(db, ledger, entry); // warm-up: the first row would otherwise pay for the JIT

    const figures: LedgerFigure[] = [];
    for (const size of sizes) {
      const buildStart = performance.now();
      while (ledger.size < size) {
        const batch = Array.from({ length: Math.min(BUILD_BATCH, size - ledger.size) }, entry);
        db.transaction(() => ledger.append(batch))();
      }
      ledger.checkpoint();
      const buildSeconds = (performance.now() - buildStart) / 1000;

      // Scan cycles inside a transaction that is rolled back, so the log stays at `size` while measured;
      // the median of several rounds, since this machine is shared.
      const appendMicros = median(Array.from({ length: ROUNDS }, () => appendRound(db, ledger, entry)));
      const inclusionProofsPerSecond = median(Array.from({ length: ROUNDS }, () => proofRound(ledger, size)));
      let inclusionHashes = 0;
      for (let s = 0; s < PROOF_SAMPLES; s++) inclusionHashes = Math.max(inclusionHashes, ledger.inclusionProof(sampleIndex(s, size), size).length);
      const consistencyHashes = ledger.consistencyProof(Math.floor(size / 2) + 1, size).length;
      const walBytesPerEntry = walRound(db, path, ledger, entry);
      figures.push({ size, appendMicros, inclusionHashes, consistencyHashes, inclusionProofsPerSecond, walBytesPerEntry, buildSeconds });
    }
    return figures;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

class RolledBack extends Error {}

/** µs per entry of CYCLES scan cycles (append + checkpoint), rolled back afterwards. */
function appendRound(db: Db, ledger: Ledger, entry: () => Entry): number {
  const cycles = Array.from({ length: CYCLES }, () => Array.from({ length: CYCLE }, entry));
  let micros = 0;
  try {
    db.transaction(() => {
      const start = performance.now();
      for (const batch of cycles) {
        ledger.append(batch);
        ledger.checkpoint();
      }
      micros = ((performance.now() - start) * 1000) / (CYCLES * CYCLE);
      throw new RolledBack();
    })();
  } catch (e) {
    if (!(e instanceof RolledBack)) throw e;
  }
  return micros;
}

/** WAL bytes per entry over CYCLES committed scan cycles (these stay in the log: it grows by CYCLES·CYCLE). */
function walRound(db: Db, path: string, ledger: Ledger, entry: () => Entry): number {
  db.pragma("wal_checkpoint(TRUNCATE)");
  const autocheckpoint = db.pragma("wal_autocheckpoint", { simple: true });
  db.pragma("wal_autocheckpoint = 0");
  for (let c = 0; c < CYCLES; c++) {
    const batch = Array.from({ length: CYCLE }, entry);
    db.transaction(() => {
      ledger.append(batch);
      ledger.checkpoint();
    })();
  }
  const bytes = statSync(`${path}-wal`).size;
  db.pragma(`wal_autocheckpoint = ${Number(autocheckpoint)}`);
  return bytes / (CYCLES * CYCLE);
}

/** Inclusion proofs per second for indices spread over the log. */
function proofRound(ledger: Ledger, size: number): number {
  const start = performance.now();
  for (let s = 0; s < PROOF_SAMPLES; s++) ledger.inclusionProof(sampleIndex(s, size), size);
  return PROOF_SAMPLES / ((performance.now() - start) / 1000);
}

// Indices spread over [0, size) by Knuth's multiplicative hash: the same ones on every run.
function sampleIndex(s: number, size: number): number {
  return Math.floor((((s * 2654435761) % 4294967296) / 4294967296) * size);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function run(): Promise<void> {
  const figures = await measureLedger();
  const base = figures[0];
  const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}×`;
  const rows = [
    ["log size", "log2 ratio", "append µs/entry", "ratio", "inclusion hashes (max)", "ratio", "consistency n/2→n", "proofs/s", "ratio (time)", "WAL B/entry", "built in"],
    ...figures.map((f) => [
      f.size.toLocaleString("en-US"),
      ratio(Math.log2(f.size), Math.log2(base.size)),
      f.appendMicros.toFixed(1),
      ratio(f.appendMicros, base.appendMicros),
      `${f.inclusionHashes} (${f.inclusionHashes * 32} B)`,
      ratio(f.inclusionHashes, base.inclusionHashes),
      `${f.consistencyHashes} (${f.consistencyHashes * 32} B)`,
      Math.round(f.inclusionProofsPerSecond).toLocaleString("en-US"),
      ratio(base.inclusionProofsPerSecond, f.inclusionProofsPerSecond),
      Math.round(f.walBytesPerEntry).toLocaleString("en-US"),
      `${f.buildSeconds.toFixed(1)} s`,
    ]),
  ];
  table(rows);
  console.log(`append = one scan cycle of ${CYCLE} entries + its checkpoint (consistency-checked and signed), without the commit's fsync; a ratio near the log2 ratio is logarithmic, near the size ratio (1000×) would be linear`);
  console.log(`WAL B/entry = bytes committed scan cycles of ${CYCLE} write to the WAL per entry; it grows once the receipt index spans many more pages than a cycle has entries, when each entry dirties a random index page of its own`);
}
