// Ledger entries of PROTOCOL §7.1 and their RFC 9162 leaf hashes.
import { concatBytes } from "./bytes";
import { decodeCbor, encodeCbor } from "./cbor";
import { ProtocolError } from "./errors";
import { bytes, oneOf, record, uint } from "./fields";
import { sha256Digest } from "./sig";

export type EntryKind = "msg" | "ballot" | "config" | "device" | "roll" | "tally" | "rollup";
export const ENTRY_KINDS: readonly EntryKind[] = ["msg", "ballot", "config", "device", "roll", "tally", "rollup"];

export interface Entry {
  /** Gateway receive time, Unix milliseconds; never decreases along the log. */
  readonly at: number;
  readonly k: EntryKind;
  /** The COSE_Sign1 message exactly as received or signed. */
  readonly cose: Uint8Array;
}

export function encodeEntry(entry: Entry): Uint8Array {
  return encodeCbor({ at: entry.at, k: entry.k, cose: entry.cose });
}

/** Decodes and checks an entry's shape; the COSE inside is not opened here. */
export function decodeEntry(bytesIn: Uint8Array): Entry {
  const value = decodeCbor(bytesIn);
  try {
    return record(value, "entry", { at: uint(), k: oneOf(ENTRY_KINDS), cose: bytes() });
  } catch (e) {
    if (e instanceof ProtocolError) throw new ProtocolError("malformed", e.message);
    throw e;
  }
}

const LEAF_PREFIX = new Uint8Array([0]);

/** RFC 9162 §2.1.1 leaf hash: SHA-256(0x00 ‖ entry). */
export function leafHash(entryBytes: Uint8Array): Uint8Array {
  return sha256Digest(concatBytes(LEAF_PREFIX, entryBytes));
}
