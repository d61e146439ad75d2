// Storage on the board: Moddable's `preference` module, which is NVS on the
// ESP32 (keys ≤ 15 characters, values ≤ 4000 bytes; a write is atomic).
// Strings stay strings; bytes are stored as NVS blobs (ArrayBuffer).
import Preference from "preference";
import { checkStorable, type Storage, type StoredValue } from "../storage";

export class PreferenceStorage implements Storage {
  readonly #domain: string;

  /** `domain` is the NVS namespace (≤ 15 characters). */
  constructor(domain = "signet") {
    this.#domain = domain;
  }

  get(key: string): StoredValue | undefined {
    const value = Preference.get(this.#domain, key);
    if (value === undefined || typeof value === "string") return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    return String(value);
  }

  set(key: string, value: StoredValue): void {
    checkStorable(key, value);
    if (typeof value === "string") Preference.set(this.#domain, key, value);
    else Preference.set(this.#domain, key, value.slice().buffer as ArrayBuffer); // a copy that owns exactly its bytes
  }

  delete(key: string): void {
    Preference.delete(this.#domain, key);
  }

  keys(): string[] {
    return Preference.keys(this.#domain);
  }
}
