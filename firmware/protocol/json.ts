// The JSON view of CBOR values used at the command line and in reports:
// integers as numbers (beyond 2^53 − 1 as {"$int": "…"}), text as strings,
// byte strings as {"$hex": "…"}, arrays as arrays, text-keyed maps as objects.
import { fromHex, toHex } from "./bytes";
import type { CborInput, CborValue } from "./cbor";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Converts parsed JSON to CBOR input; throws a RangeError naming the path of what has no CBOR form here. */
export function cborFromJson(value: unknown, path = "$"): CborInput {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new RangeError(`${path}: ${value} is not an integer (floats are not allowed)`);
    return value;
  }
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map((v, i) => cborFromJson(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    const obj = value as { [key: string]: unknown };
    if (keys.length === 1 && keys[0] === "$hex") {
      if (typeof obj.$hex !== "string") throw new RangeError(`${path}.$hex: must be a string of hex digits`);
      return fromHex(obj.$hex, `${path}.$hex`);
    }
    if (keys.length === 1 && keys[0] === "$int") {
      if (typeof obj.$int !== "string" || !/^-?[0-9]+$/.test(obj.$int)) throw new RangeError(`${path}.$int: must be a decimal integer string`);
      return BigInt(obj.$int);
    }
    const map = new Map<string, CborInput>();
    for (const k of keys) map.set(k, cborFromJson(obj[k], `${path}.${k}`));
    return map;
  }
  throw new RangeError(`${path}: ${value === null ? "null" : typeof value} has no CBOR form in Signet (no floats, booleans or null)`);
}

/** The JSON view of a decoded CBOR value. Integer map keys become their decimal strings. */
export function jsonFromCbor(value: CborValue): Json {
  if (typeof value === "number" || typeof value === "string") return value;
  if (typeof value === "bigint") return { $int: value.toString() };
  if (value instanceof Uint8Array) return { $hex: toHex(value) };
  if (Array.isArray(value)) return value.map(jsonFromCbor);
  const out: { [key: string]: Json } = {};
  for (const [k, v] of value) {
    // defineProperty: a key named "__proto__" stays an ordinary key.
    Object.defineProperty(out, String(k), { value: jsonFromCbor(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
