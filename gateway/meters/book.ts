// The meter book: committed readings per device and channel, rule 9's
// `counter-regressed`, energy per bucket with gaps covered from the
// cumulative count, and the hourly `rollup` records (§4.6, §8).
//
// Energy: a reading's `d` pulses belong to the bucket that contains its `to`
// (as a rollup's hour does). Between two readings of a channel, consecutive
// by seq, `count` grows by exactly the later one's `d`; when it grows by more,
// readings are missing (lost, or evicted by a full outbox) and the surplus
// pulses are put in the later reading's bucket, marked estimated. A channel's
// first reading with `count` above `d` is covered the same way.
//
// Each reading's covered gap is kept with it, and both are summed into
// 15-minute buckets as readings commit (a late reading also shrinks the gap
// its successor covered), so an energy request reads buckets, not readings.
import type { Database } from "better-sqlite3";
import type { EntryKind, Reading, RejectReason, RollupRecord } from "../../firmware/protocol/index.ts";
import type { GatewayKey } from "../key.ts";
import type { AcceptedMessage, CycleContext, CycleLogic } from "../scan.ts";
import type { VerifiedMessage } from "../verify.ts";
import { HOUR, hourOf, rollupWh } from "./rollup.ts";

/** The rollup of hour H is committed once gateway time passes H + 1 h + 15 min (§8). */
export const ROLLUP_DELAY_SECONDS = HOUR + 15 * 60;

export const BUCKETS = { "15m": 900, "1h": 3600, "1d": 86400 } as const;
export type BucketName = keyof typeof BUCKETS;
/** Most buckets one energy request may ask for. */
export const MAX_BUCKETS = 20_000;

export interface EnergyBucket {
  /** Bucket start, Unix seconds. */
  readonly start: number;
  readonly wh: number;
  /** Part of it was covered from the cumulative count across a gap. */
  readonly estimated: boolean;
}

export interface EnergyTotal {
  readonly wh: number;
  readonly estimated: boolean;
}

export interface EnergyReport {
  readonly site: string;
  readonly bucket: BucketName;
  readonly from: number;
  readonly to: number;
  readonly total: EnergyTotal;
  readonly series: EnergyBucket[];
  readonly devices: { readonly dev: string; readonly total: EnergyTotal; readonly series: EnergyBucket[] }[];
}

interface EnergyRow {
  start: number;
  dev: string;
  imp: number;
  pulses: number;
  gap: number;
}

/** The bucket every reading is summed into; 1 h and 1 d are sums of these. */
export const BASE_BUCKET = 900;
const baseOf = (to: number) => to - (to % BASE_BUCKET);

interface Latest {
  seq: number;
  count: number;
}

export interface MeterBookOptions {
  readonly db: Database;
  readonly key: GatewayKey;
  readonly site: string;
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
}

export class MeterBook implements CycleLogic {
  readonly #o: MeterBookOptions;
  /** dev \n ch → the committed reading with the highest seq. */
  readonly #latest = new Map<string, Latest>();
  /** dev → gateway receive time of its last committed reading, Unix ms. */
  readonly #lastReading = new Map<string, number>();
  /** Readings admitted earlier in this cycle. */
  #admitted: { message: VerifiedMessage; reading: Reading }[] = [];
  #undo: (() => void)[] = [];
  /** Hours up to this one (inclusive) have had their rollup deadline handled; null before the first reading. */
  #rolledThrough: number | null;
  readonly #insert;
  readonly #below;
  readonly #above;
  readonly #hours;
  readonly #ofHour;
  readonly #setState;
  readonly #range;
  readonly #rangeOfDevice;
  readonly #neighbourBelow;
  readonly #neighbourAbove;
  readonly #setGap;
  readonly #addToBucket;

  constructor(options: MeterBookOptions) {
    this.#o = options;
    const { db } = options;
    db.exec(`
      CREATE TABLE IF NOT EXISTS meter_reading (dev TEXT NOT NULL, ch INTEGER NOT NULL, seq INTEGER NOT NULL, count INTEGER NOT NULL,
        d INTEGER NOT NULL, imp INTEGER NOT NULL, "from" INTEGER NOT NULL, "to" INTEGER NOT NULL, hour INTEGER NOT NULL,
        leaf INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (dev, ch, seq)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS meter_reading_to ON meter_reading ("to");
      CREATE INDEX IF NOT EXISTS meter_reading_hour ON meter_reading (hour);
      CREATE TABLE IF NOT EXISTS meter_bucket (start INTEGER NOT NULL, dev TEXT NOT NULL, imp INTEGER NOT NULL, pulses INTEGER NOT NULL,
        gap INTEGER NOT NULL, PRIMARY KEY (start, dev, imp)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS meter_bucket_dev ON meter_bucket (dev, start);
      CREATE TABLE IF NOT EXISTS meter_rollup (hour INTEGER PRIMARY KEY, leaf INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS meter_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    `);
    // Readings stored before buckets existed: add the column and fill the buckets once.
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('meter_reading')").all().map((c) => c.name);
    if (!columns.includes("gap")) db.exec("ALTER TABLE meter_reading ADD COLUMN gap INTEGER NOT NULL DEFAULT 0; DELETE FROM meter_bucket;");
    this.#insert = db.prepare('INSERT INTO meter_reading (dev, ch, seq, count, d, imp, "from", "to", hour, leaf, at, gap) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.#neighbourBelow = db.prepare<[string, number, number], { count: number }>("SELECT count FROM meter_reading WHERE dev = ? AND ch = ? AND seq < ? ORDER BY seq DESC LIMIT 1");
    this.#neighbourAbove = db.prepare<[string, number, number], { seq: number; count: number; d: number; imp: number; to: number; gap: number }>(
      'SELECT seq, count, d, imp, "to", gap FROM meter_reading WHERE dev = ? AND ch = ? AND seq > ? ORDER BY seq ASC LIMIT 1',
    );
    this.#setGap = db.prepare("UPDATE meter_reading SET gap = ? WHERE dev = ? AND ch = ? AND seq = ?");
    this.#addToBucket = db.prepare(
      "INSERT INTO meter_bucket (start, dev, imp, pulses, gap) VALUES (?, ?, ?, ?, ?) ON CONFLICT (start, dev, imp) DO UPDATE SET pulses = pulses + excluded.pulses, gap = gap + excluded.gap",
    );
    this.#below = db.prepare<[string, number, number], { count: number }>("SELECT count FROM meter_reading WHERE dev = ? AND ch = ? AND seq < ? ORDER BY seq DESC LIMIT 1");
    this.#above = db.prepare<[string, number, number], { count: number }>("SELECT count FROM meter_reading WHERE dev = ? AND ch = ? AND seq > ? ORDER BY seq ASC LIMIT 1");
    this.#hours = db.prepare<[number, number], { hour: number }>("SELECT DISTINCT hour FROM meter_reading WHERE hour > ? AND hour <= ? ORDER BY hour");
    this.#ofHour = db.prepare<[number], { dev: string; d: number; imp: number; to: number }>('SELECT dev, d, imp, "to" FROM meter_reading WHERE hour = ?');
    this.#setState = db.prepare("INSERT INTO meter_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    this.#range = db.prepare<[number, number], EnergyRow>("SELECT start, dev, imp, pulses, gap FROM meter_bucket WHERE start >= ? AND start < ?");
    this.#rangeOfDevice = db.prepare<[string, number, number], EnergyRow>("SELECT start, dev, imp, pulses, gap FROM meter_bucket WHERE dev = ? AND start >= ? AND start < ?");
    if (!columns.includes("gap")) this.#rebuildBuckets(db);
    for (const row of db
      .prepare<[], { dev: string; ch: number; seq: number; count: number; at: number }>(
        "SELECT dev, ch, max(seq) AS seq, count, at FROM meter_reading GROUP BY dev, ch",
      )
      .all()) {
      this.#latest.set(`${row.dev}\n${row.ch}`, { seq: row.seq, count: row.count });
    }
    for (const row of db.prepare<[], { dev: string; at: number }>("SELECT dev, max(at) AS at FROM meter_reading GROUP BY dev").all()) this.#lastReading.set(row.dev, row.at);
    this.#rolledThrough = db.prepare<[], { value: number }>("SELECT value FROM meter_state WHERE name = 'rolled_through'").get()?.value ?? null;
  }

  /** When the gateway last committed a reading of `dev`, Unix ms. */
  lastReadingAt(dev: string): number | undefined {
    return this.#lastReading.get(dev);
  }

  // ---- the scan cycle ----

  admit(message: VerifiedMessage): RejectReason | null {
    const reading = message.payload;
    if (reading.t !== "reading") return null;
    const dev = message.device.id;
    // A regression against a reading of this channel admitted earlier in the same cycle.
    for (const other of this.#admitted) {
      const o = other.reading;
      if (other.message.device.id !== dev || o.ch !== reading.ch) continue;
      if ((o.seq < reading.seq && reading.count < o.count) || (o.seq > reading.seq && reading.count > o.count)) return "counter-regressed";
    }
    const latest = this.#latest.get(`${dev}\n${reading.ch}`);
    if (latest !== undefined) {
      if (reading.seq > latest.seq) {
        if (reading.count < latest.count) return "counter-regressed";
      } else {
        // A late reading: it must fit between its committed neighbours.
        const below = this.#below.get(dev, reading.ch, reading.seq);
        const above = this.#above.get(dev, reading.ch, reading.seq);
        if ((below !== undefined && reading.count < below.count) || (above !== undefined && reading.count > above.count)) return "counter-regressed";
      }
    }
    this.#admitted.push({ message, reading });
    return null;
  }

  records(cycle: CycleContext): { kind: EntryKind; cose: Uint8Array; apply?: (leaf: number) => void }[] {
    const admitted = this.#admitted;
    this.#admitted = [];
    this.#undo = [];
    const nowSeconds = Math.floor(cycle.now / 1000);
    // Hours H with H + 1 h + 15 min ≤ now: H ≤ now − 4500, and H is a whole hour.
    const lastDue = hourOf(nowSeconds - ROLLUP_DELAY_SECONDS);
    let through = this.#rolledThrough;
    if (through === null) {
      let first = Infinity;
      for (const { reading } of admitted) first = Math.min(first, hourOf(reading.to));
      const stored = this.#o.db.prepare<[], { hour: number | null }>("SELECT min(hour) AS hour FROM meter_reading").get()?.hour;
      if (stored !== null && stored !== undefined) first = Math.min(first, stored);
      if (first === Infinity) return [];
      through = first - HOUR;
    }
    if (lastDue <= through) return [];
    const hours = new Set(this.#hours.all(through, lastDue).map((r) => r.hour));
    for (const { reading } of admitted) {
      const h = hourOf(reading.to);
      if (h > through && h <= lastDue) hours.add(h);
    }
    const out: { kind: EntryKind; cose: Uint8Array; apply?: (leaf: number) => void }[] = [];
    for (const hour of [...hours].sort((a, b) => a - b)) {
      const readings = [
        ...this.#ofHour.all(hour),
        ...admitted.filter((a) => hourOf(a.reading.to) === hour).map((a) => ({ dev: a.message.device.id, d: a.reading.d, imp: a.reading.imp, to: a.reading.to })),
      ];
      const record: RollupRecord = { v: 1, t: "rollup", ts: nowSeconds, site: this.#o.site, from: hour, to: hour + HOUR, wh: rollupWh(readings) };
      out.push({
        kind: "rollup",
        cose: this.#o.key.signRecord(record),
        apply: (leaf) => {
          this.#o.db.prepare("INSERT INTO meter_rollup (hour, leaf) VALUES (?, ?)").run(hour, leaf);
          this.#o.log?.("rollup committed", { from: hour, to: hour + HOUR, leaf, devices: Object.keys(record.wh).length });
        },
      });
    }
    const previous = this.#rolledThrough;
    const next = lastDue;
    if (out.length > 0) {
      // Bookkeeping rides on the first rollup's transaction.
      const first = out[0].apply!;
      out[0] = {
        ...out[0],
        apply: (leaf) => {
          first(leaf);
          this.#setState.run("rolled_through", next);
          this.#rolledThrough = next;
          this.#undo.push(() => (this.#rolledThrough = previous));
        },
      };
    } else {
      // No hour with readings came due: nothing to commit, only the mark moves (no log entry depends on it).
      this.#o.db.transaction(() => this.#setState.run("rolled_through", next))();
      this.#rolledThrough = next;
    }
    return out;
  }

  committed(accepted: readonly AcceptedMessage[], cycle: CycleContext): void {
    for (const { message, leaf } of accepted) {
      const r = message.payload;
      if (r.t !== "reading") continue;
      const dev = message.device.id;
      const key = `${dev}\n${r.ch}`;
      const before = this.#latest.get(key);
      const beforeAt = this.#lastReading.get(dev);
      const inOrder = before === undefined || r.seq > before.seq;
      const previous = inOrder ? before?.count : this.#neighbourBelow.get(dev, r.ch, r.seq)?.count;
      const gap = Math.max(0, r.count - r.d - (previous ?? 0));
      if (!inOrder) {
        // A late reading: its successor covered this stretch as a gap, now partly reported.
        const next = this.#neighbourAbove.get(dev, r.ch, r.seq);
        if (next !== undefined) {
          const nextGap = Math.max(0, next.count - next.d - r.count);
          if (nextGap !== next.gap) {
            this.#setGap.run(nextGap, dev, r.ch, next.seq);
            this.#addToBucket.run(baseOf(next.to), dev, next.imp, 0, nextGap - next.gap);
          }
        }
      }
      this.#insert.run(dev, r.ch, r.seq, r.count, r.d, r.imp, r.from, r.to, hourOf(r.to), leaf, message.receivedAt, gap);
      this.#addToBucket.run(baseOf(r.to), dev, r.imp, r.d, gap);
      if (inOrder) this.#latest.set(key, { seq: r.seq, count: r.count });
      this.#lastReading.set(dev, Math.max(beforeAt ?? 0, message.receivedAt));
      this.#undo.push(() => {
        if (before === undefined) this.#latest.delete(key);
        else this.#latest.set(key, before);
        if (beforeAt === undefined) this.#lastReading.delete(dev);
        else this.#lastReading.set(dev, beforeAt);
      });
    }
    void cycle;
  }

  /** Fills the buckets and each reading's gap from the stored readings (a database from before buckets). */
  #rebuildBuckets(db: Database): void {
    const readings = db.prepare<[], { dev: string; ch: number; seq: number; count: number; d: number }>("SELECT dev, ch, seq, count, d FROM meter_reading ORDER BY dev, ch, seq");
    db.transaction(() => {
      let key = "";
      let previous = 0;
      for (const r of readings.all()) {
        if (`${r.dev}\n${r.ch}` !== key) [key, previous] = [`${r.dev}\n${r.ch}`, 0];
        this.#setGap.run(Math.max(0, r.count - r.d - previous), r.dev, r.ch, r.seq);
        previous = r.count;
      }
      db.exec(`DELETE FROM meter_bucket;
        INSERT INTO meter_bucket (start, dev, imp, pulses, gap)
          SELECT "to" - "to" % ${BASE_BUCKET}, dev, imp, SUM(d), SUM(gap) FROM meter_reading GROUP BY "to" - "to" % ${BASE_BUCKET}, dev, imp`);
    })();
  }

  rollback(): void {
    for (const undo of this.#undo.reverse()) undo();
    this.#undo = [];
    this.#admitted = [];
  }

  // ---- energy ----

  /** Energy per bucket over [from, to) (Unix seconds, widened to whole buckets), per device and for the site. */
  energy(query: { bucket: BucketName; from: number; to: number; dev?: string }): EnergyReport {
    const size = BUCKETS[query.bucket];
    const from = query.from - (query.from % size);
    const to = query.to % size === 0 ? query.to : query.to - (query.to % size) + size;
    const n = Math.max(0, (to - from) / size);
    if (n > MAX_BUCKETS) throw new RangeError(`${n} buckets of ${query.bucket}: at most ${MAX_BUCKETS} per request (narrow from/to or use a larger bucket)`);
    // Wh per bucket in floating point (a chart's precision); totals from whole pulses per constant.
    const perDevice = new Map<string, { wh: Float64Array; estimated: Uint8Array; pulses: Map<number, number>; anyEstimated: boolean }>();
    const rows = query.dev === undefined ? this.#range.all(from, to) : this.#rangeOfDevice.all(query.dev, from, to);
    for (const r of rows) {
      let device = perDevice.get(r.dev);
      if (!device) perDevice.set(r.dev, (device = { wh: new Float64Array(n), estimated: new Uint8Array(n), pulses: new Map(), anyEstimated: false }));
      const i = Math.floor((r.start - from) / size);
      const pulses = r.pulses + r.gap;
      device.wh[i] += (pulses * 1000) / r.imp;
      device.pulses.set(r.imp, (device.pulses.get(r.imp) ?? 0) + pulses);
      if (r.gap > 0) {
        device.estimated[i] = 1;
        device.anyEstimated = true;
      }
    }
    const round = (wh: number) => Math.round(wh * 1000) / 1000;
    const totalOf = (pulses: Map<number, number>) => {
      let wh = 0;
      for (const [imp, p] of pulses) wh += (p * 1000) / imp;
      return round(wh);
    };
    const siteWh = new Float64Array(n);
    const siteEstimated = new Uint8Array(n);
    const sitePulses = new Map<number, number>();
    const devices = [...perDevice.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([dev, d]) => {
        for (let i = 0; i < n; i++) {
          siteWh[i] += d.wh[i];
          siteEstimated[i] |= d.estimated[i];
        }
        for (const [imp, p] of d.pulses) sitePulses.set(imp, (sitePulses.get(imp) ?? 0) + p);
        return { dev, total: { wh: totalOf(d.pulses), estimated: d.anyEstimated }, series: seriesOf(d.wh, d.estimated) };
      });
    function seriesOf(wh: Float64Array, estimated: Uint8Array): EnergyBucket[] {
      return Array.from({ length: n }, (_, i) => ({ start: from + i * size, wh: round(wh[i]), estimated: estimated[i] === 1 }));
    }
    return {
      site: this.#o.site,
      bucket: query.bucket,
      from,
      to,
      total: { wh: totalOf(sitePulses), estimated: devices.some((d) => d.total.estimated) },
      series: seriesOf(siteWh, siteEstimated),
      devices,
    };
  }
}
