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

/**
 * The deterministic encoding of {"at", "k", "cose"}, written directly: it is
 * on the gateway's append path. Keys in bytewise order: "k", "at", "cose".
 */
export function encodeEntry(entry: Entry): Uint8Array {
  if (!Number.isSafeInteger(entry.at) || entry.at < 0) throw new RangeError(`entry at ${entry.at} is not an unsigned integer`);
  if (!(ENTRY_KINDS as readonly string[]).includes(entry.k)) throw new RangeError(`entry kind ${JSON.stringify(entry.k)} is unknown`);
  const at = encodeCbor(entry.at);
  const cose = bstrHead(entry.cose.length);
  const out = new Uint8Array(1 + 2 + 1 + entry.k.length + 3 + at.length + 5 + cose.length + entry.cose.length);
  let i = 0;
  out[i++] = 0xa3;
  out.set(KEY_K, i);
  i += KEY_K.length;
  out[i++] = 0x60 | entry.k.length;
  for (let c = 0; c < entry.k.length; c++) out[i++] = entry.k.charCodeAt(c);
  out.set(KEY_AT, i);
  i += KEY_AT.length;
  out.set(at, i);
  i += at.length;
  out.set(KEY_COSE, i);
  i += KEY_COSE.length;
  out.set(cose, i);
  i += cose.length;
  out.set(entry.cose, i);
  return out;
}

const KEY_K = new Uint8Array([0x61, 0x6b]);
const KEY_AT = new Uint8Array([0x62, 0x61, 0x74]);
const KEY_COSE = new Uint8Array([0x64, 0x63, 0x6f, 0x73, 0x65]);

/** The head of a byte string of `length` bytes: the unsigned integer's encoding with major type 2. */
function bstrHead(length: number): Uint8Array {
  const h = encodeCbor(length);
  h[0] |= 0x40;
  return h;
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
