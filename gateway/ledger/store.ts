// SQLite storage of the ledger (better-sqlite3). One database file holds the
// whole gateway's state, so a scan cycle commits its batch — entries, tree
// nodes, checkpoint, and the registry and de-duplication rows of the rest of
// the gateway — in one transaction.
//
// Tables (prefixed ledger_, the rest of the gateway keeps its own):
//   ledger_entries      idx → at, kind, entry (the §7.1 CBOR bytes), receipt
//                       (first 5 bytes of the leaf hash as an integer, indexed:
//                       a random 32-byte UNIQUE index would slow inserts 7–10×)
//   ledger_nodes        the hash of every perfect subtree, leaves included, keyed
//                       by its in-order position (2^(level+1)·index + 2^level − 1)
//                       so appends write near the end of the B-tree
//   ledger_checkpoints  size → root, signed note: every checkpoint ever signed
import Database from "better-sqlite3";

export type Db = Database.Database;
type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** Opens (or creates) the gateway's database: WAL, synchronous=FULL (an acked entry survives a power cut), foreign keys on. */
export function openDatabase(path: string): Db {
  const db = new Database(path);
  try {
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal" && path !== ":memory:") throw new Error(`${path}: SQLite refused WAL mode (journal_mode is ${String(mode)})`);
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_entries (
  idx     INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  kind    TEXT    NOT NULL,
  entry   BLOB    NOT NULL,
  receipt INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_entries_receipt ON ledger_entries (receipt);
CREATE TABLE IF NOT EXISTS ledger_nodes (
  id   INTEGER PRIMARY KEY,
  hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_checkpoints (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  note TEXT NOT NULL
);`;

export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: string;
}

/** The ledger's rows; no tree logic here (that is tree.ts), only prepared statements. */
export class LedgerStore {
  readonly db: Db;
  readonly #size: Statement<[], { idx: number }>;
  readonly #lastAt: Statement<[], { at: number }>;
  readonly #entry: Statement<[number], { entry: Buffer }>;
  readonly #entries: Statement<[number, number], { entry: Buffer }>;
  readonly #insertEntry: Statement<[number, number, string, Uint8Array, number]>;
  readonly #node: Statement<[number], { hash: Buffer }>;
  readonly #insertNode: Statement<[number, Uint8Array]>;
  readonly #byReceipt: Statement<[number], { idx: number }>;
  readonly #latestCheckpoint: Statement<[], { size: number; root: Buffer; note: string }>;
  readonly #insertCheckpoint: Statement<[number, Uint8Array, string]>;

  constructor(db: Db) {
    this.db = db;
    db.exec(SCHEMA);
    this.#size = db.prepare<[], { idx: number }>("SELECT idx FROM ledger_entries ORDER BY idx DESC LIMIT 1");
    this.#lastAt = db.prepare<[], { at: number }>("SELECT at FROM ledger_entries ORDER BY idx DESC LIMIT 1");
    this.#entry = db.prepare<[number], { entry: Buffer }>("SELECT entry FROM ledger_entries WHERE idx = ?");
    this.#entries = db.prepare<[number, number], { entry: Buffer }>("SELECT entry FROM ledger_entries WHERE idx >= ? AND idx < ? ORDER BY idx");
    this.#insertEntry = db.prepare<[number, number, string, Uint8Array, number]>("INSERT INTO ledger_entries (idx, at, kind, entry, receipt) VALUES (?, ?, ?, ?, ?)");
    this.#node = db.prepare<[number], { hash: Buffer }>("SELECT hash FROM ledger_nodes WHERE id = ?");
    this.#insertNode = db.prepare<[number, Uint8Array]>("INSERT INTO ledger_nodes (id, hash) VALUES (?, ?)");
    this.#byReceipt = db.prepare<[number], { idx: number }>("SELECT idx FROM ledger_entries WHERE receipt = ? ORDER BY idx");
    this.#latestCheckpoint = db.prepare<[], { size: number; root: Buffer; note: string }>("SELECT size, root, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1");
    this.#insertCheckpoint = db.prepare<[number, Uint8Array, string]>("INSERT INTO ledger_checkpoints (size, root, note) VALUES (?, ?, ?)");
  }

  /** Number of entries, read from the database so a rolled-back transaction leaves nothing stale. */
  size(): number {
    const row = this.#size.get();
    return row ? row.idx + 1 : 0;
  }

  lastAt(): number | null {
    return this.#lastAt.get()?.at ?? null;
  }

  entry(index: number): Uint8Array | null {
    const row = this.#entry.get(index);
    return row ? bytesOf(row.entry) : null;
  }

  entries(start: number, end: number): Uint8Array[] {
    return this.#entries.all(start, end).map((row) => bytesOf(row.entry));
  }

  insertEntry(index: number, at: number, kind: string, entry: Uint8Array, receipt: number): void {
    this.#insertEntry.run(index, at, kind, entry, receipt);
  }

  node(level: number, index: number): Uint8Array | null {
    const row = this.#node.get(nodeId(level, index));
    return row ? bytesOf(row.hash) : null;
  }

  insertNode(level: number, index: number, hash: Uint8Array): void {
    this.#insertNode.run(nodeId(level, index), hash);
  }

  indicesByReceipt(receipt: number): number[] {
    return this.#byReceipt.all(receipt).map((row) => row.idx);
  }

  latestCheckpoint(): StoredCheckpoint | null {
    const row = this.#latestCheckpoint.get();
    return row ? { size: row.size, root: bytesOf(row.root), note: row.note } : null;
  }

  insertCheckpoint(checkpoint: StoredCheckpoint): void {
    this.#insertCheckpoint.run(checkpoint.size, checkpoint.root, checkpoint.note);
  }
}

/** In-order position of node (level, index): leaves at even ids, parents between their children. */
export function nodeId(level: number, index: number): number {
  return index * 2 ** (level + 1) + 2 ** level - 1;
}

/** The receipt index key: the first 5 bytes of a leaf hash, big-endian (40 bits fit a SQLite INTEGER and a JS number). */
export function receiptKey(prefix: Uint8Array): number {
  if (prefix.length < 5) throw new RangeError(`a receipt key needs 5 bytes, got ${prefix.length}`);
  return prefix[0] * 2 ** 32 + ((prefix[1] << 24) >>> 0) + (prefix[2] << 16) + (prefix[3] << 8) + prefix[4];
}

// better-sqlite3 returns Buffers; hand out plain Uint8Array views of the same memory.
function bytesOf(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
