// The ledger the scan cycle writes to: an RFC 9162 log of PROTOCOL §7.1
// entries in the gateway's SQLite database, with C2SP checkpoints signed by
// the gateway key. The whole surface:
//
//   const ledger = Ledger.open(db, key)      // db from openDatabase(), key from loadOrCreateGatewayKey()
//   db.transaction(() => {                   // one scan cycle = one transaction
//     const first = ledger.append(entries)   // index of entries[0]; throws (and so rolls back) on a bad batch
//     const cp = ledger.checkpoint()         // signs the current size (or returns the latest if unchanged)
//     …registry / dedupe rows…               // the same transaction: all or nothing
//   })();
//   ledger.size, ledger.latest()             // { origin, size, root, note } | null
//   ledger.lastAt                            // the last entry's at: stamp entries max(now, lastAt), since at never decreases
//   ledger.origin, ledger.key                // the log's origin = the gateway key's name; the key
//   ledger.entry(i), ledger.entries(a, b)    // §7.1 CBOR bytes (decodeEntry() to read them)
//   ledger.leafHash(i)                       // receiptCode(ledger.leafHash(i)) is the ack's code
//   ledger.root(n), ledger.inclusionProof(i, n), ledger.consistencyProof(m, n)
//   ledger.findByReceipt(code)               // every index whose leaf hash starts with the code's 5 bytes
//
// Rules it enforces: the first entry is a `config` record; every `config`
// record is signed by the gateway key and names its origin; `at` never
// decreases; the gateway never signs two inconsistent checkpoints (each new
// one is checked against the last by a consistency proof before signing).
// A refused batch throws LedgerError naming the entry and the rule.
import { createHash } from "node:crypto";
import {
  decodeSign1,
  encodeEntry,
  ENTRY_KINDS,
  equalBytes,
  parsePayload,
  ProtocolError,
  receiptPrefix,
  toHex,
  verifySign1,
  type Entry,
} from "../../firmware/protocol/index.ts";
import type { GatewayKey } from "../key.ts";
import { openCheckpoint, parseCheckpointBody, signCheckpoint, type SignedCheckpoint } from "./checkpoint.ts";
import { LedgerStore, receiptKey, type Db } from "./store.ts";
import { appendToBorder, borderNodes, consistencyProof, inclusionProof, ProofError, rootHash, verifyConsistency, type NodeSource } from "./tree.ts";

/** A batch or request the ledger refuses; the message says why. */
export class LedgerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LedgerError";
  }
}

export class Ledger {
  readonly key: GatewayKey;
  readonly #store: LedgerStore;
  readonly #node: NodeSource;
  readonly #appendInTransaction: (entries: readonly Entry[]) => number;
  readonly #checkpointInTransaction: () => SignedCheckpoint;

  private constructor(store: LedgerStore, key: GatewayKey) {
    this.#store = store;
    this.key = key;
    // better-sqlite3 nests these as savepoints inside a caller's transaction.
    this.#appendInTransaction = store.db.transaction((entries: readonly Entry[]) => this.#append(entries));
    this.#checkpointInTransaction = store.db.transaction(() => this.#checkpoint());
    this.#node = (level, index) => {
      const hash = store.node(level, index);
      if (!hash) throw new LedgerError(`tree node (level ${level}, index ${index}) is missing: the ledger database is damaged`);
      return hash;
    };
  }

  /**
   * Opens the ledger in a database, creating its tables on first use. Refuses
   * a log whose latest checkpoint this key did not sign (another key, or the
   * key renamed: the origin is the key name) or whose stored tree no longer
   * gives the signed root.
   */
  static open(db: Db, key: GatewayKey): Ledger {
    const ledger = new Ledger(new LedgerStore(db), key);
    const latest = ledger.#store.latestCheckpoint();
    if (latest) {
      try {
        openCheckpoint(latest.note, key.verifierKey);
      } catch (e) {
        throw new LedgerError(`the log's latest checkpoint (size ${latest.size}) does not verify with the gateway key ${key.verifierKey}: ${(e as Error).message}`);
      }
      const size = ledger.size;
      if (size < latest.size) throw new LedgerError(`the log has ${size} entries but a checkpoint of size ${latest.size} was signed: entries are missing`);
      const root = ledger.root(latest.size);
      if (!equalBytes(root, latest.root)) throw new LedgerError(`the stored tree gives root ${toHex(root)} at size ${latest.size}, but ${toHex(latest.root)} was signed`);
    }
    return ledger;
  }

  /** The log's origin: the gateway key's name. */
  get origin(): string {
    return this.key.name;
  }

  get size(): number {
    return this.#store.size();
  }

  /** The last entry's `at` (Unix ms), or null for an empty log. */
  get lastAt(): number | null {
    return this.#store.lastAt();
  }

  /**
   * Appends entries and returns the index of the first. Atomic: inside the
   * caller's db.transaction() it is part of that transaction (a throw later
   * in it rolls the entries and their tree nodes back); outside one it is
   * its own. O(log n) per entry: only the right border of the tree is read.
   */
  append(entries: readonly Entry[]): number {
    return this.#appendInTransaction(entries);
  }

  #append(entries: readonly Entry[]): number {
    const store = this.#store;
    const first = store.size();
    let size = first;
    let lastAt = store.lastAt() ?? 0;
    const border = borderNodes(size).map(({ level, index }) => this.#node(level, index));
    for (const [n, entry] of entries.entries()) {
      if (size === 0 && entry.k !== "config") throw new LedgerError(`the first entry of a log must be a config record, got ${JSON.stringify(entry.k)}`);
      checkEntry(entry, n);
      if (entry.at < lastAt) throw new LedgerError(`entry ${n} of the batch has at ${entry.at}, before the previous entry's ${lastAt}: at never decreases`);
      if (entry.k === "config") this.#checkConfig(entry, n);
      const bytes = encodeEntry(entry);
      const leaf = leafHashOf(bytes);
      appendToBorder(border, size, leaf, (level, index, hash) => store.insertNode(level, index, hash));
      store.insertEntry(size, entry.at, entry.k, bytes, receiptKey(leaf));
      lastAt = entry.at;
      size++;
    }
    return first;
  }

  // The log describes itself (PROTOCOL §4.6): its config records must be this gateway's, for this origin.
  #checkConfig(entry: Entry, n: number): void {
    try {
      const message = decodeSign1(entry.cose);
      verifySign1(message, this.key.publicKey, -8);
      if (message.kid !== this.key.name) throw new LedgerError(`kid ${JSON.stringify(message.kid)} is not the gateway key ${JSON.stringify(this.key.name)}`);
      const config = parsePayload(message.payload, ["config"]);
      if (config.origin !== this.origin) throw new LedgerError(`origin ${JSON.stringify(config.origin)} is not the log's ${JSON.stringify(this.origin)}`);
    } catch (e) {
      if (e instanceof LedgerError || e instanceof ProtocolError) throw new LedgerError(`entry ${n} of the batch is not this gateway's config record: ${e.message}`);
      throw e;
    }
  }

  /**
   * Signs and stores the checkpoint of the current size, in the caller's
   * transaction when there is one. Returns the latest one unchanged when
   * nothing was appended since. Before signing, proves the new tree
   * consistent with the last signed one, so a damaged store can never make
   * the gateway sign a fork.
   */
  checkpoint(): SignedCheckpoint {
    return this.#checkpointInTransaction();
  }

  #checkpoint(): SignedCheckpoint {
    const size = this.#store.size();
    if (size === 0) throw new LedgerError("an empty log has no checkpoint: append the config record first");
    const root = this.root(size);
    const latest = this.latest();
    if (latest) {
      if (latest.size > size) throw new LedgerError(`the log has ${size} entries but a checkpoint of size ${latest.size} was signed: refusing to sign a smaller tree`);
      if (latest.size === size) {
        if (!equalBytes(latest.root, root)) throw new LedgerError(`the tree of size ${size} has root ${toHex(root)}, but ${toHex(latest.root)} was signed: refusing to sign a fork`);
        return latest;
      }
      try {
        verifyConsistency(latest.size, size, latest.root, root, this.consistencyProof(latest.size, size));
      } catch (e) {
        if (e instanceof ProofError) throw new LedgerError(`the tree of size ${size} is not consistent with the signed checkpoint of size ${latest.size} (${e.message}): refusing to sign a fork`);
        throw e;
      }
    }
    const signed = signCheckpoint({ origin: this.origin, size, root }, this.key);
    this.#store.insertCheckpoint(signed);
    return signed;
  }

  /** The latest signed checkpoint, or null before the first. */
  latest(): SignedCheckpoint | null {
    const stored = this.#store.latestCheckpoint();
    if (!stored) return null;
    return { ...parseCheckpointBody(stored.note.slice(0, stored.note.lastIndexOf("\n\n") + 1)), note: stored.note };
  }

  /** The §7.1 CBOR bytes of entry i. */
  entry(index: number): Uint8Array {
    this.#checkIndex(index, this.size);
    return this.#store.entry(index)!;
  }

  /** Entries [start, end), clipped to the log's size. */
  entries(start: number, end: number): Uint8Array[] {
    return this.#store.entries(start, end);
  }

  leafHash(index: number): Uint8Array {
    this.#checkIndex(index, this.size);
    return this.#node(0, index);
  }

  /** Merkle Tree Hash of the first `size` entries. Requires 1 ≤ size ≤ this.size. */
  root(size: number): Uint8Array {
    this.#checkTreeSize(size);
    return rootHash(this.#node, size); // one stored node per set bit of size
  }

  /** RFC 9162 inclusion proof of entry `index` in the tree of `size`. Requires 0 ≤ index < size ≤ this.size. */
  inclusionProof(index: number, size: number): Uint8Array[] {
    this.#checkTreeSize(size);
    this.#checkIndex(index, size);
    return inclusionProof(this.#node, index, size);
  }

  /** RFC 9162 consistency proof from `size1` to `size2`. Requires 1 ≤ size1 ≤ size2 ≤ this.size. */
  consistencyProof(size1: number, size2: number): Uint8Array[] {
    this.#checkTreeSize(size2);
    if (!Number.isSafeInteger(size1) || size1 < 1 || size1 > size2) throw new LedgerError(`from must be 1 … ${size2}, got ${size1}`);
    return consistencyProof(this.#node, size1, size2);
  }

  /** Every entry whose leaf hash begins with the receipt code's 5 bytes (a 40-bit code can match several). */
  findByReceipt(code: string): number[] {
    return this.#store.indicesByReceipt(receiptKey(receiptPrefix(code)));
  }

  #checkTreeSize(size: number): void {
    const logSize = this.size;
    if (!Number.isSafeInteger(size) || size < 1 || size > logSize) throw new LedgerError(`size must be 1 … ${logSize}, got ${size}`);
  }

  #checkIndex(index: number, size: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new LedgerError(`index must be 0 … ${size - 1}, got ${index}`);
  }
}

// RFC 9162 leaf hash, SHA-256(0x00 ‖ entry), as the protocol's leafHash() computes it, but with
// node:crypto: OpenSSL hashes a 200-byte entry 2.4× faster than pure JS, on the scan cycle's hot path.
const LEAF_PREFIX = Uint8Array.of(0);
function leafHashOf(entryBytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(LEAF_PREFIX).update(entryBytes).digest());
}

function checkEntry(entry: Entry, n: number): void {
  if (!Number.isSafeInteger(entry.at) || entry.at < 0) throw new LedgerError(`entry ${n} of the batch has at ${entry.at}, not a Unix time in milliseconds`);
  if (!ENTRY_KINDS.includes(entry.k)) throw new LedgerError(`entry ${n} of the batch has kind ${JSON.stringify(entry.k)}, not one of ${ENTRY_KINDS.join(", ")}`);
  if (!(entry.cose instanceof Uint8Array) || entry.cose.length === 0) throw new LedgerError(`entry ${n} of the batch has no COSE message`);
}
