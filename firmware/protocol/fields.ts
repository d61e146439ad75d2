// Field checkers for the payload maps of PROTOCOL §4: exact key sets, types
// and ranges, each failure a `bad-payload` that names the field. They read a
// decoded CBOR map or a plain object alike, so builders validate what they encode.
import type { CborValue } from "./cbor";
import { ProtocolError } from "./errors";
import { isId, type IdKind } from "./ids";

/** Every integer in every payload is at most 2^53 − 1 (§8). */
export const MAX_UINT = Number.MAX_SAFE_INTEGER;

export type Field = CborValue | undefined | { readonly [key: string]: unknown } | readonly unknown[];
export type Check<T> = (value: Field, path: string) => T;

export function fail(path: string, problem: string): never {
  throw new ProtocolError("bad-payload", `${path}: ${problem}`);
}

function isPlainObject(value: unknown): value is { readonly [key: string]: unknown } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Map);
}

/** The entries of a map (decoded `Map` or plain object, `undefined` values skipped). */
export function mapEntries(value: Field, path: string): [unknown, Field][] {
  if (value instanceof Map) return [...value.entries()] as [unknown, Field][];
  if (isPlainObject(value)) {
    const out: [unknown, Field][] = [];
    for (const key of Object.keys(value)) if (value[key] !== undefined) out.push([key, value[key] as Field]);
    return out;
  }
  return fail(path, "must be a map");
}

export type Spec = { readonly [key: string]: Check<unknown> };
type Parsed<S extends Spec> = { -readonly [K in keyof S]: ReturnType<S[K]> };

/**
 * Checks a map against `required` and `optional` keys: unknown keys and
 * missing required keys are refused. Returns a fresh object with exactly the checked keys.
 */
export function record<R extends Spec, O extends Spec = {}>(
  value: Field,
  path: string,
  required: R,
  optional?: O,
): Parsed<R> & Partial<Parsed<O>> {
  const entries = mapEntries(value, path);
  const found = new Map<string, Field>();
  for (const [key, v] of entries) {
    if (typeof key !== "string" || !(Object.prototype.hasOwnProperty.call(required, key) || (optional && Object.prototype.hasOwnProperty.call(optional, key))))
      fail(path, `unknown key ${typeof key === "string" ? JSON.stringify(key) : String(key)}`);
    found.set(key, v);
  }
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(required)) {
    if (!found.has(key)) fail(path, `missing key ${JSON.stringify(key)}`);
    out[key] = required[key](found.get(key), `${path}.${key}`);
  }
  if (optional) for (const key of Object.keys(optional)) if (found.has(key)) out[key] = optional[key](found.get(key), `${path}.${key}`);
  // A plain prototype again, so results compare and print like ordinary objects.
  return Object.assign({}, out) as Parsed<R> & Partial<Parsed<O>>;
}

export function uint(min = 0, max = MAX_UINT): Check<number> {
  return (value, path) => {
    if (typeof value === "bigint") fail(path, "integer above 2^53 − 1");
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) fail(path, "must be an unsigned integer");
    if (value < min || value > max) fail(path, `${value} is outside ${min} … ${max}`);
    return value;
  };
}

export function exact<T extends string | number>(expected: T): Check<T> {
  return (value, path) => {
    if (value !== expected) fail(path, `must be ${JSON.stringify(expected)}, got ${describe(value)}`);
    return expected;
  };
}

export function oneOf<T extends string | number>(choices: readonly T[]): Check<T> {
  return (value, path) => {
    if (!(choices as readonly unknown[]).includes(value)) fail(path, `must be one of ${choices.map((c) => JSON.stringify(c)).join(", ")}, got ${describe(value)}`);
    return value as T;
  };
}

export const text: Check<string> = (value, path) => {
  if (typeof value !== "string") fail(path, "must be a text string");
  return value;
};

export function id(kind: IdKind): Check<string> {
  return (value, path) => {
    if (typeof value !== "string") fail(path, "must be a text string");
    if (!isId(kind, value)) fail(path, `${JSON.stringify(value)} is not a valid ${kind} id`);
    return value;
  };
}

export function bytes(...lengths: number[]): Check<Uint8Array> {
  return (value, path) => {
    if (!(value instanceof Uint8Array)) fail(path, "must be a byte string");
    if (lengths.length > 0 && !lengths.includes(value.length)) fail(path, `must be ${lengths.join(" or ")} bytes, got ${value.length}`);
    return value;
  };
}

export function array<T>(item: Check<T>, min: number, max: number): Check<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) fail(path, "must be an array");
    if (value.length < min || value.length > max) fail(path, `must have ${min} … ${max} items, got ${value.length}`);
    return value.map((v, i) => item(v as Field, `${path}[${i}]`));
  };
}

/** A map from identifiers to values, returned as a null-prototype dictionary (ids like `__proto__` are valid). */
export function dictionary<T>(key: IdKind, item: Check<T>): Check<{ [key: string]: T }> {
  return (value, path) => {
    const out = Object.create(null) as { [key: string]: T };
    for (const [k, v] of mapEntries(value, path)) {
      if (!isId(key, k)) fail(path, `key ${describe(k)} is not a valid ${key} id`);
      out[k] = item(v, `${path}[${JSON.stringify(k)}]`);
    }
    return out;
  };
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `a ${value.length}-byte string`;
  if (value instanceof Map || isPlainObject(value)) return "a map";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "bigint") return String(value);
  return JSON.stringify(value) ?? String(value);
}
