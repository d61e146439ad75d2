// `npm run bench -- ledger`: what an append and a proof cost as the log grows
// from 10^3 to 10^6 entries. Both must grow with log2(n), not n: the table
// prints each figure's ratio to the 10^3 row next to log2(n)/log2(10^3), the
// baseline a logarithmic structure should follow.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signPayload, type Entry } from "../firmware/protocol/index.ts";
import { gatewayKeyFromSeed } from "../gateway/key.ts";
import { Ledger } from "../gateway/ledger/ledger.ts";
import { openDatabase } from "../gateway/ledger/store.ts";
import { table } from "./measure.ts";

const SIZES = [1_000, 100_000, 1_000_000];
const BUILD_BATCH = 50_000; // entries per transaction while filling the log
const CYCLE = 100; // entries per measured scan cycle
const CYCLES = 20;
const PROOF_SAMPLES = 2_000;
const T0 = 1_795_300_000_000;

/** Rows of the table, for bench/gateway.bench.ts to print beside its own. */
export interface LedgerFigure {
  readonly size: number;
  /** One scan cycle's append of CYCLE entries plus its checkpoint, in µs per entry (no fsync: rolled back). */
  readonly appendMicros: number;
  readonly inclusionHashes: number;
  readonly consistencyHashes: number;
  readonly inclusionProofsPerSecond: number;
  readonly buildSeconds: number;
}

export async function measureLedger(sizes = SIZES): Promise<LedgerFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), "signet-bench-ledger-"));
  const db = openDatabase(join(dir, "gateway.db"));
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

    const figures: LedgerFigure[] = [];
    for (const size of sizes) {
      const buildStart = performance.now();
      while (ledger.size < size) {
        const batch = Array.from({ length: Math.min(BUILD_BATCH, size - ledger.size) }, entry);
        db.transaction(() => ledger.append(batch))();
      }
      ledger.checkpoint();
      const buildSeconds = (performance.now() - buildStart) / 1000;

      // Scan cycles inside one transaction that is rolled back, so the log stays at `size` while measured.
      const cycles = Array.from({ length: CYCLES }, () => Array.from({ length: CYCLE }, entry));
      let appendMicros = 0;
      try {
        db.transaction(() => {
          const start = performance.now();
          for (const batch of cycles) {
            ledger.append(batch);
            ledger.checkpoint();
          }
          appendMicros = ((performance.now() - start) * 1000) / (CYCLES * CYCLE);
          throw new RolledBack();
        })();
      } catch (e) {
        if (!(e instanceof RolledBack)) throw e;
      }

      let inclusionHashes = 0;
      const proofStart = performance.now();
      for (let s = 0; s < PROOF_SAMPLES; s++) {
        const index = Math.floor(((s * 2654435761) % 4294967296) / 4294967296 * size);
        inclusionHashes = Math.max(inclusionHashes, ledger.inclusionProof(index, size).length);
      }
      const inclusionProofsPerSecond = PROOF_SAMPLES / ((performance.now() - proofStart) / 1000);
      const consistencyHashes = ledger.consistencyProof(Math.floor(size / 2) + 1, size).length;
      figures.push({ size, appendMicros, inclusionHashes, consistencyHashes, inclusionProofsPerSecond, buildSeconds });
    }
    return figures;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

class RolledBack extends Error {}

export async function run(): Promise<void> {
  const figures = await measureLedger();
  const base = figures[0];
  const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}×`;
  const rows = [
    ["log size", "log2 ratio", "append µs/entry", "ratio", "inclusion hashes (max)", "ratio", "consistency n/2→n", "proofs/s", "ratio (time)", "built in"],
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
      `${f.buildSeconds.toFixed(1)} s`,
    ]),
  ];
  table(rows);
  console.log(`append = one scan cycle of ${CYCLE} entries + its checkpoint (consistency-checked and signed), without the commit's fsync; a ratio near the log2 ratio is logarithmic, near the size ratio (1000×) would be linear`);
}
