// Identifier grammars of PROTOCOL §1; each must match the whole string.

export const SITE_ID = /^[a-z0-9][a-z0-9-]{1,31}$/;
export const DEVICE_ID = /^[a-z0-9][a-z0-9-]{1,31}$/;
export const BALLOT_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const OPTION_ID = /^[a-z0-9_-]{1,32}$/;
export const VOTER_ID = /^[A-Za-z0-9._-]{1,64}$/;
export const ROLL_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Printable ASCII without space or `+`, at most 64 bytes (§1, §8). */
export const KEY_NAME = /^[\x21-\x2a\x2c-\x7e]{1,64}$/;

export type IdKind = "site" | "device" | "ballot" | "option" | "voter" | "roll" | "key name";

const GRAMMARS: { readonly [K in IdKind]: RegExp } = {
  site: SITE_ID,
  device: DEVICE_ID,
  ballot: BALLOT_ID,
  option: OPTION_ID,
  voter: VOTER_ID,
  roll: ROLL_ID,
  "key name": KEY_NAME,
};

export function isId(kind: IdKind, value: unknown): value is string {
  return typeof value === "string" && GRAMMARS[kind].test(value);
}

/** Returns `value` when it is a valid identifier of `kind`; throws a RangeError naming the grammar otherwise. */
export function checkId(kind: IdKind, value: string): string {
  if (!isId(kind, value)) throw new RangeError(`${JSON.stringify(value)} is not a valid ${kind} id (${GRAMMARS[kind].source})`);
  return value;
}
