// The reject store (PROTOCOL §6): every refused message with its reason,
// topic, first bytes and time, and a count per reason. Rejections are queued
// in memory and written in the scan cycle's transaction, so a flood of bad
// messages costs one SQLite commit per cycle, not one per message.
import type { Database } from "better-sqlite3";
import { REJECT_REASONS, type RejectReason } from "../firmware/protocol/index.ts";

/** How many bytes of a rejected message are kept: enough to see what it was. */
export const REJECT_HEAD_BYTES = 64;
/** The store keeps the most recent rejections only; the counts are kept forever. */
export const REJECTS_KEPT = 10_000;

export interface RejectedMessage {
  readonly reason: RejectReason;
  readonly detail: string;
  readonly topic: string;
  readonly bytes: Uint8Array;
  /** Gateway receive time, Unix milliseconds. */
  readonly receivedAt: number;
}

export interface StoredReject {
  readonly reason: RejectReason;
  readonly detail: string;
  readonly topic: string;
  readonly head: Uint8Array;
  readonly size: number;
  readonly at: number;
}

export class RejectStore {
  readonly #insert;
  readonly #count;
  readonly #prune;
  readonly #counts;
  readonly #recent;
  #queue: RejectedMessage[] = [];
  readonly #listeners: ((reject: RejectedMessage) => void)[] = [];

  constructor(db: Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS reject (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        reason TEXT NOT NULL,
        topic TEXT NOT NULL,
        head BLOB NOT NULL,
        size INTEGER NOT NULL,
        detail TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS reject_count (reason TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
    `);
    this.#insert = db.prepare("INSERT INTO reject (at, reason, topic, head, size, detail) VALUES (?, ?, ?, ?, ?, ?)");
    this.#count = db.prepare("INSERT INTO reject_count (reason, n) VALUES (?, 1) ON CONFLICT (reason) DO UPDATE SET n = n + 1");
    this.#prune = db.prepare("DELETE FROM reject WHERE id <= (SELECT max(id) FROM reject) - ?");
    this.#counts = db.prepare<[], { reason: RejectReason; n: number }>("SELECT reason, n FROM reject_count");
    this.#recent = db.prepare<[number], { at: number; reason: RejectReason; topic: string; head: Buffer; size: number; detail: string }>(
      "SELECT at, reason, topic, head, size, detail FROM reject ORDER BY id DESC LIMIT ?",
    );
  }

  /** Queues a rejection for the next flush (the scan cycle's transaction). */
  add(reject: RejectedMessage): void {
    this.#queue.push(reject);
    for (const listener of this.#listeners) listener(reject);
  }

  /** Called for each rejection as it happens (metrics). */
  onReject(listener: (reject: RejectedMessage) => void): void {
    this.#listeners.push(listener);
  }

  /** Writes the queued rejections; call inside a transaction. */
  flush(): number {
    const queue = this.#queue;
    if (queue.length === 0) return 0;
    this.#queue = [];
    for (const r of queue) {
      const head = r.bytes.subarray(0, REJECT_HEAD_BYTES);
      this.#insert.run(r.receivedAt, r.reason, r.topic, Buffer.from(head.buffer, head.byteOffset, head.byteLength), r.bytes.length, r.detail);
      this.#count.run(r.reason);
    }
    this.#prune.run(REJECTS_KEPT);
    return queue.length;
  }

  /** Rejections counted per reason, every reason present (0 when none), in §6 order. */
  counts(): Record<RejectReason, number> {
    const out = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
    for (const row of this.#counts.all()) out[row.reason] = row.n;
    return out;
  }

  /** The most recent stored rejections, newest first. */
  recent(limit = 100): StoredReject[] {
    return this.#recent.all(limit).map((row) => ({ ...row, head: new Uint8Array(row.head) }));
  }
}
