// Deterministic CBOR (RFC 8949 §4.2.1) for the subset of PROTOCOL §2:
// unsigned and negative integers, byte strings, text strings, arrays, and maps
// with text or integer keys; tag 18 only as the outermost item of a COSE_Sign1.
import { compareBytes, utf8Decode, utf8Encode } from "./bytes";
import { CborError } from "./errors";

/** A map key as decoded: integers as numbers (bigint beyond 2^53 − 1), text as strings. */
export type CborKey = number | bigint | string;
/** A decoded CBOR item. Maps decode to `Map`, keeping integer and text keys apart. */
export type CborValue = number | bigint | string | Uint8Array | CborValue[] | CborMap;
export interface CborMap extends Map<CborKey, CborValue> {}

/**
 * What the encoder takes: like CborValue, and plain objects as maps with text
 * keys (entries whose value is `undefined` are left out, for optional fields).
 */
export type CborInput =
  | number
  | bigint
  | string
  | Uint8Array
  | readonly CborInput[]
  | ReadonlyMap<CborKey, CborInput>
  | { readonly [key: string]: CborInput | undefined };

export const TAG_COSE_SIGN1 = 18;
/** Deep enough for every structure of the protocol; deeper input is refused, not recursed into. */
export const MAX_DEPTH = 16;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TWO_POW_32 = 0x100000000;

class Writer {
  bytes = new Uint8Array(128);
  length = 0;
  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
  byte(b: number): void {
    this.reserve(1);
    this.bytes[this.length++] = b;
  }
  put(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }
  /** Head of a data item in shortest form; `value` is a non-negative integer. */
  head(major: number, value: number | bigint): void {
    const m = major << 5;
    if (typeof value === "bigint") {
      if (value <= BigInt(MAX_SAFE)) return this.head(major, Number(value));
      this.reserve(9);
      this.bytes[this.length++] = m | 27;
      for (let shift = 56n; shift >= 0n; shift -= 8n) this.bytes[this.length++] = Number((value >> shift) & 0xffn);
      return;
    }
    this.reserve(9);
    const b = this.bytes;
    if (value < 24) b[this.length++] = m | value;
    else if (value < 0x100) {
      b[this.length++] = m | 24;
      b[this.length++] = value;
    } else if (value < 0x10000) {
      b[this.length++] = m | 25;
      b[this.length++] = value >> 8;
      b[this.length++] = value & 255;
    } else if (value < TWO_POW_32) {
      b[this.length++] = m | 26;
      b[this.length++] = (value >>> 24) & 255;
      b[this.length++] = (value >>> 16) & 255;
      b[this.length++] = (value >>> 8) & 255;
      b[this.length++] = value & 255;
    } else {
      const hi = Math.floor(value / TWO_POW_32);
      const lo = value - hi * TWO_POW_32;
      b[this.length++] = m | 27;
      b[this.length++] = (hi >>> 24) & 255;
      b[this.length++] = (hi >>> 16) & 255;
      b[this.length++] = (hi >>> 8) & 255;
      b[this.length++] = hi & 255;
      b[this.length++] = (lo >>> 24) & 255;
      b[this.length++] = (lo >>> 16) & 255;
      b[this.length++] = (lo >>> 8) & 255;
      b[this.length++] = lo & 255;
    }
  }
  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

const UINT64_MAX = 0xffffffffffffffffn;

/** Encodes `value` in core deterministic encoding. Throws CborError("unencodable") for anything outside §2. */
export function encodeCbor(value: CborInput): Uint8Array {
  const w = new Writer();
  encodeItem(w, value, 0);
  return w.result();
}

/** Encodes `value` as `18(value)`, the outermost COSE_Sign1 tag. */
export function encodeTaggedSign1(value: CborInput): Uint8Array {
  const w = new Writer();
  w.head(6, TAG_COSE_SIGN1);
  encodeItem(w, value, 0);
  return w.result();
}

function encodeItem(w: Writer, value: CborInput, depth: number): void {
  if (depth > MAX_DEPTH) throw new CborError("too-deep", `nesting deeper than ${MAX_DEPTH}`);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new CborError("unencodable", `${value} is not an integer in ±(2^53 − 1); floats are not allowed`);
    if (value >= 0) w.head(0, value);
    else w.head(1, -1 - value);
    return;
  }
  if (typeof value === "bigint") {
    if (value >= 0n) {
      if (value > UINT64_MAX) throw new CborError("unencodable", `integer ${value} does not fit in 64 bits`);
      w.head(0, value);
    } else {
      const n = -1n - value;
      if (n > UINT64_MAX) throw new CborError("unencodable", `integer ${value} does not fit in 64 bits`);
      w.head(1, n);
    }
    return;
  }
  if (typeof value === "string") {
    const bytes = utf8Encode(value);
    w.head(3, bytes.length);
    w.put(bytes);
    return;
  }
  if (value instanceof Uint8Array) {
    w.head(2, value.length);
    w.put(value);
    return;
  }
  if (Array.isArray(value)) {
    w.head(4, value.length);
    for (const item of value as readonly CborInput[]) encodeItem(w, item, depth + 1);
    return;
  }
  if (value instanceof Map) {
    const entries: [Uint8Array, CborInput][] = [];
    for (const [k, v] of value as ReadonlyMap<CborKey, CborInput>) {
      if (typeof k !== "string" && typeof k !== "number" && typeof k !== "bigint")
        throw new CborError("bad-key-type", "map keys must be integers or text");
      entries.push([encodeCbor(k), v]);
    }
    encodeEntries(w, entries, depth);
    return;
  }
  if (value !== null && typeof value === "object") {
    const entries: [Uint8Array, CborInput][] = [];
    const record = value as { readonly [key: string]: CborInput | undefined };
    for (const k of Object.keys(record)) {
      const v = record[k];
      if (v !== undefined) entries.push([encodeCbor(k), v]);
    }
    encodeEntries(w, entries, depth);
    return;
  }
  throw new CborError("unencodable", `cannot encode a value of type ${value === null ? "null" : typeof value}`);
}

function encodeEntries(w: Writer, entries: [Uint8Array, CborInput][], depth: number): void {
  entries.sort((a, b) => compareBytes(a[0], b[0]));
  for (let i = 1; i < entries.length; i++)
    if (compareBytes(entries[i - 1][0], entries[i][0]) === 0) throw new CborError("duplicate-key", "duplicate map key");
  w.head(5, entries.length);
  for (const [k, v] of entries) {
    w.put(k);
    encodeItem(w, v, depth + 1);
  }
}

export interface DecodeOptions {
  /** Accept (and require) tag 18 around the outermost item, as in a COSE_Sign1. */
  sign1?: boolean;
}

/**
 * Decodes one deterministic CBOR item that spans all of `bytes`. Every
 * violation of PROTOCOL §2 throws a CborError with its own code.
 */
export function decodeCbor(bytes: Uint8Array, options: DecodeOptions = {}): CborValue {
  const r = new Reader(bytes);
  if (options.sign1) {
    if (bytes.length === 0) throw new CborError("truncated", "empty input", 0);
    const ib = bytes[0];
    if (ib >> 5 !== 6) throw new CborError("tag", "a COSE_Sign1 must start with tag 18", 0);
    const tag = r.argument(ib & 31, 6);
    if (tag !== TAG_COSE_SIGN1) throw new CborError("tag", `tag ${tag} where only tag 18 (COSE_Sign1) is allowed`, 0);
  }
  const value = r.item(0);
  if (r.at !== bytes.length) throw new CborError("trailing-bytes", `${bytes.length - r.at} trailing bytes after the item`, r.at);
  return value;
}

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  need(n: number, start: number): void {
    if (n > this.bytes.length - this.at) throw new CborError("truncated", "input ends inside an item", start);
  }

  /** Reads the argument of an item whose initial byte (already consumed) had additional info `ai`. */
  argument(ai: number, major: number): number | bigint {
    const start = this.at;
    this.at++;
    if (ai < 24) return ai;
    const b = this.bytes;
    let value: number | bigint;
    if (ai === 24) {
      this.need(1, start);
      value = b[this.at++];
      if (value < 24) throw new CborError("non-shortest", "integer or length not in shortest form", start);
    } else if (ai === 25) {
      this.need(2, start);
      value = (b[this.at] << 8) | b[this.at + 1];
      this.at += 2;
      if (value < 0x100) throw new CborError("non-shortest", "integer or length not in shortest form", start);
    } else if (ai === 26) {
      this.need(4, start);
      value = ((b[this.at] << 24) >>> 0) + (b[this.at + 1] << 16) + (b[this.at + 2] << 8) + b[this.at + 3];
      this.at += 4;
      if (value < 0x10000) throw new CborError("non-shortest", "integer or length not in shortest form", start);
    } else if (ai === 27) {
      this.need(8, start);
      const hi = ((b[this.at] << 24) >>> 0) + (b[this.at + 1] << 16) + (b[this.at + 2] << 8) + b[this.at + 3];
      const lo = ((b[this.at + 4] << 24) >>> 0) + (b[this.at + 5] << 16) + (b[this.at + 6] << 8) + b[this.at + 7];
      this.at += 8;
      if (hi === 0) throw new CborError("non-shortest", "integer or length not in shortest form", start);
      value = hi < 0x200000 ? hi * TWO_POW_32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
    } else if (ai === 31) {
      if (major >= 2 && major <= 5) throw new CborError("indefinite", "indefinite-length items are not allowed", start);
      if (major === 7) throw new CborError("indefinite", "unexpected break code", start);
      throw new CborError("reserved", `additional information 31 is not valid for major type ${major}`, start);
    } else throw new CborError("reserved", `reserved additional information ${ai}`, start);
    return value;
  }

  /** A length or count: it must fit in what is left of the input. */
  length(ai: number, major: number, minItemSize: number): number {
    const start = this.at;
    const n = this.argument(ai, major);
    if (typeof n === "bigint" || n * minItemSize > this.bytes.length - this.at)
      throw new CborError("truncated", "length exceeds the input", start);
    return n;
  }

  item(depth: number): CborValue {
    if (depth > MAX_DEPTH) throw new CborError("too-deep", `nesting deeper than ${MAX_DEPTH}`, this.at);
    const start = this.at;
    this.need(1, start);
    const ib = this.bytes[this.at];
    const major = ib >> 5;
    const ai = ib & 31;
    switch (major) {
      case 0:
        return this.argument(ai, major);
      case 1: {
        const n = this.argument(ai, major);
        if (typeof n === "bigint") return -1n - n;
        return n >= MAX_SAFE ? -1n - BigInt(n) : -1 - n;
      }
      case 2: {
        const n = this.length(ai, major, 1);
        const value = this.bytes.slice(this.at, this.at + n);
        this.at += n;
        return value;
      }
      case 3: {
        const n = this.length(ai, major, 1);
        const text = utf8Decode(this.bytes, this.at, this.at + n);
        this.at += n;
        return text;
      }
      case 4: {
        const n = this.length(ai, major, 1);
        const items: CborValue[] = [];
        for (let i = 0; i < n; i++) items.push(this.item(depth + 1));
        return items;
      }
      case 5: {
        const n = this.length(ai, major, 2);
        const map: CborMap = new Map();
        let previousStart = -1;
        let previousEnd = -1;
        for (let i = 0; i < n; i++) {
          const keyStart = this.at;
          const keyMajor = this.bytes[keyStart] >> 5;
          if (keyMajor !== 0 && keyMajor !== 1 && keyMajor !== 3)
            throw new CborError("bad-key-type", "map keys must be integers or text", keyStart);
          const key = this.item(depth + 1) as CborKey;
          const keyEnd = this.at;
          if (previousStart >= 0) {
            const order = compareBytes(
              this.bytes.subarray(previousStart, previousEnd),
              this.bytes.subarray(keyStart, keyEnd),
            );
            if (order === 0) throw new CborError("duplicate-key", "duplicate map key", keyStart);
            if (order > 0) throw new CborError("unsorted-keys", "map keys not in bytewise order", keyStart);
          }
          previousStart = keyStart;
          previousEnd = keyEnd;
          map.set(key, this.item(depth + 1));
        }
        return map;
      }
      case 6:
        throw new CborError("tag", "tags are not allowed here", start);
      default:
        if (ai >= 25 && ai <= 27) throw new CborError("float", "floating-point numbers are not allowed", start);
        if (ai === 31) throw new CborError("indefinite", "unexpected break code", start);
        throw new CborError("simple", "simple values (false, true, null, undefined, …) are not allowed", start);
    }
  }
}
