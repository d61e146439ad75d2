// The meter book on its own, with scan cycles driven by hand at chosen
// gateway times: energy per bucket, gaps covered from the cumulative count,
// and rollups committed once gateway time passes H + 1 h + 15 min.
import Database from "better-sqlite3";
import { beforeEach, describe, expect, it } from "vitest";
import { decodeSign1, parsePayload, type Reading } from "../../firmware/protocol/index.ts";
import { gatewayKeyFromSeed } from "../../gateway/key.ts";
import { MeterBook } from "../../gateway/meters/book.ts";
import type { AcceptedMessage } from "../../gateway/scan.ts";
import type { VerifiedMessage } from "../../gateway/verify.ts";

const key = gatewayKeyFromSeed("signet.test/meters", new Uint8Array(32).fill(3));
const H = 1_795_300_000 - (1_795_300_000 % 3600); // a whole hour
let book: MeterBook;
let size = 0;

function message(dev: string, r: Omit<Reading, "v" | "t" | "dev" | "ts">): VerifiedMessage {
  return {
    topic: `signet/v1/site/${dev}/reading`,
    bytes: new Uint8Array(0),
    device: { rowid: 1, id: dev, site: "site", alg: -8, pub: new Uint8Array(32), status: "active" },
    payload: { v: 1, t: "reading", dev, ts: r.to, ...r },
    receivedAt: r.to * 1000,
  };
}

/** One scan cycle at gateway time `now` (Unix s): admits, then records, then commits. Returns refusals and the records' payloads. */
function cycle(now: number, messages: VerifiedMessage[] = []) {
  const context = { now: now * 1000, sizeBefore: size };
  const refused: (string | null)[] = [];
  const accepted: AcceptedMessage[] = [];
  for (const m of messages) {
    const reason = book.admit(m);
    refused.push(reason);
    if (reason === null) accepted.push({ message: m, leaf: size++ });
  }
  const records = book.records(context);
  book.committed(accepted, context);
  for (const r of records) r.apply?.(size++);
  return { refused, rollups: records.map((r) => parsePayload(decodeSign1(r.cose).payload, ["rollup"])) };
}

const reading = (dev: string, seq: number, count: number, d: number, from: number, to = from + 900, imp = 1000) => message(dev, { seq, ch: 0, count, d, imp, from, to });

beforeEach(() => {
  book = new MeterBook({ db: new Database(":memory:"), key, site: "site" });
  size = 0;
});

describe("energy", () => {
  it("puts each reading's pulses in the bucket of its `to`, per device and for the site", () => {
    cycle(H + 3600, [reading("m1", 1, 100, 100, H), reading("m1", 2, 250, 150, H + 900), reading("m2", 1, 40, 40, H, H + 1800, 500)]);
    const e = book.energy({ bucket: "15m", from: H, to: H + 3600 });
    // A reading that ends on a bucket's edge belongs to the bucket that starts there (as a rollup's hour does).
    expect(e.series.map((b) => b.wh)).toEqual([0, 100, 230, 0]);
    expect(e.total).toEqual({ wh: 330, estimated: false });
    expect(e.devices.map((d) => [d.dev, d.total.wh])).toEqual([
      ["m1", 250],
      ["m2", 80],
    ]);
    expect(book.energy({ bucket: "1h", from: H, to: H + 3600, dev: "m2" }).total.wh).toBe(80);
  });

  it("covers missing readings from the cumulative count, marked estimated, so the total is exact", () => {
    cycle(H + 7200, [reading("m1", 1, 100, 100, H), reading("m1", 5, 700, 100, H + 2700)]);
    const e = book.energy({ bucket: "15m", from: H, to: H + 7200 });
    expect(e.total).toEqual({ wh: 700, estimated: true });
    expect(e.series.filter((b) => b.wh > 0).map((b) => [b.start - H, b.wh, b.estimated])).toEqual([
      [900, 100, false],
      [3600, 600, true],
    ]);
    expect(book.energy({ bucket: "1h", from: H, to: H + 7200 }).series.map((b) => [b.wh, b.estimated])).toEqual([
      [100, false],
      [600, true],
    ]);
    // The missing readings arrive late: the gap is gone.
    cycle(H + 7300, [reading("m1", 3, 400, 300, H + 900), reading("m1", 4, 600, 200, H + 1800)]);
    expect(book.energy({ bucket: "1h", from: H, to: H + 7200 }).total).toEqual({ wh: 700, estimated: false });
  });

  it("a database from before the buckets is summed into them once, gaps included", () => {
    const db = new Database(":memory:");
    db.exec(`CREATE TABLE meter_reading (dev TEXT NOT NULL, ch INTEGER NOT NULL, seq INTEGER NOT NULL, count INTEGER NOT NULL,
      d INTEGER NOT NULL, imp INTEGER NOT NULL, "from" INTEGER NOT NULL, "to" INTEGER NOT NULL, hour INTEGER NOT NULL,
      leaf INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (dev, ch, seq)) WITHOUT ROWID`);
    const insert = db.prepare('INSERT INTO meter_reading VALUES (?, 0, ?, ?, ?, 1000, ?, ?, 0, 0, 0)');
    insert.run("m1", 1, 100, 100, H, H + 900);
    insert.run("m1", 4, 700, 100, H + 2700, H + 3600);
    const old = new MeterBook({ db, key, site: "site" });
    expect(old.energy({ bucket: "1h", from: H, to: H + 7200 }).series.map((b) => [b.wh, b.estimated])).toEqual([
      [100, false],
      [600, true],
    ]);
  });

  it("refuses a count that goes backwards (counter-regressed), within a cycle too", () => {
    expect(cycle(H, [reading("m1", 1, 100, 100, H - 900), reading("m1", 2, 90, 10, H)]).refused).toEqual([null, "counter-regressed"]);
    expect(cycle(H + 10, [reading("m1", 3, 99, 0, H + 900)]).refused).toEqual(["counter-regressed"]);
    expect(cycle(H + 20, [reading("m1", 3, 100, 0, H + 900)]).refused).toEqual([null]);
  });
});

describe("rollups (§4.6, §8)", () => {
  it("the rollup of hour H is committed once gateway time passes H + 1 h + 15 min, with floor(Σ d·1000/imp) per device", () => {
    cycle(H + 3000, [reading("m1", 1, 10, 10, H, H + 1800, 3), reading("m1", 2, 20, 10, H + 1800, H + 3599, 3), reading("m2", 1, 5, 5, H, H + 3000, 1000)]);
    expect(cycle(H + 3600 + 899).rollups).toEqual([]);
    const { rollups } = cycle(H + 3600 + 900);
    expect(rollups).toHaveLength(1);
    expect(rollups[0]).toMatchObject({ site: "site", from: H, to: H + 3600, wh: { m1: 6666, m2: 5 } });
    expect(cycle(H + 3600 + 1000).rollups).toEqual([]);
  });

  it("a reading of an hour already rolled up stays in no rollup; hours without readings get none", () => {
    cycle(H + 100, [reading("m1", 1, 10, 10, H, H + 60)]);
    expect(cycle(H + 4500).rollups.map((r) => r.from)).toEqual([H]);
    cycle(H + 4600, [reading("m1", 2, 30, 20, H + 60, H + 120)]); // late, hour H
    expect(cycle(H + 3 * 3600 + 900).rollups).toEqual([]);
    cycle(H + 3 * 3600 + 901, [reading("m1", 3, 40, 10, H + 3 * 3600, H + 3 * 3600 + 60)]);
    const later = cycle(H + 4 * 3600 + 900).rollups;
    expect(later.map((r) => [r.from, r.wh])).toEqual([[H + 3 * 3600, { m1: 10 }]]);
  });

  it("readings admitted in the cycle that commits the rollup are in it", () => {
    cycle(H + 10, [reading("m1", 1, 10, 10, H, H + 60)]);
    const { rollups } = cycle(H + 4500, [reading("m1", 2, 25, 15, H + 60, H + 120)]);
    expect(rollups[0].wh).toEqual({ m1: 25 });
  });
});
