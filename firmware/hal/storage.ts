// Persistent key/value storage. On the board it is Moddable's `preference`
// module (NVS): keys at most 15 characters, values at most 4000 bytes, so
// callers keep both small; in the simulator it is a store with power-cut injection.

export const MAX_STORAGE_KEY = 15;
export const MAX_STORAGE_VALUE = 4000;

export type StoredValue = string | Uint8Array;

export interface Storage {
  get(key: string): StoredValue | undefined;
  /** Durable once it returns: a power cut after `set` keeps the value, one during it keeps the old or the new. */
  set(key: string, value: StoredValue): void;
  delete(key: string): void;
  /** Keys present, in no particular order. */
  keys(): string[];
}

/** Throws an Error naming the problem when a key or value exceeds what NVS holds. */
export function checkStorable(key: string, value?: StoredValue): void {
  if (key.length === 0 || key.length > MAX_STORAGE_KEY) throw new Error(`storage key "${key}" must be 1 … ${MAX_STORAGE_KEY} characters`);
  if (value !== undefined) {
    const size = typeof value === "string" ? value.length * 3 : value.length;
    if (size > MAX_STORAGE_VALUE && (typeof value !== "string" || utf8Length(value) > MAX_STORAGE_VALUE))
      throw new Error(`storage value for "${key}" is over ${MAX_STORAGE_VALUE} bytes`);
  }
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
  }
  return n;
}
