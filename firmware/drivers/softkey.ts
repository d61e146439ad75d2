// The software key store: an Ed25519 key (EdDSA, PROTOCOL §3) whose 32-byte
// seed sits in persistent storage (NVS on the board) and is only ever read
// into a #private field of the key object. For boards without a secure
// element; the ATECC608A is the stronger choice where there is one.
import type { Storage } from "../hal/storage";
import { ALG_EDDSA, publicKeyOf, signMessage } from "../protocol/sig";
import type { SecureKey } from "./interfaces";

export interface SoftwareKeyStoreOptions {
  storage: Storage;
  /** Storage key of the seed (≤ 15 characters); "device-key" by default. */
  name?: string;
  /** Fills `n` random bytes; by default crypto.getRandomValues where the platform has it. */
  random?: (n: number) => Uint8Array;
}

export class SoftwareKey implements SecureKey {
  readonly alg = ALG_EDDSA;
  #seed: Uint8Array;
  #publicKey: Uint8Array;

  constructor(seed: Uint8Array) {
    if (seed.length !== 32) throw new RangeError(`Ed25519 seed must be 32 bytes, got ${seed.length}`);
    this.#seed = seed.slice();
    this.#publicKey = publicKeyOf(ALG_EDDSA, this.#seed);
  }

  publicKey(): Promise<Uint8Array> {
    return Promise.resolve(this.#publicKey.slice());
  }

  sign(toBeSigned: Uint8Array): Promise<Uint8Array> {
    if (this.#seed.every((b) => b === 0)) return Promise.reject(new Error("software key closed"));
    return Promise.resolve(signMessage(ALG_EDDSA, this.#seed, toBeSigned));
  }

  /** Wipes the seed from memory. */
  close(): void {
    this.#seed.fill(0);
  }
}

/** Where the software key lives; shaped like the app's KeyStore. */
export class SoftwareKeyStore {
  readonly alg = ALG_EDDSA;
  readonly description: string;
  #storage: Storage;
  #name: string;
  #random: (n: number) => Uint8Array;

  constructor(options: SoftwareKeyStoreOptions) {
    this.#storage = options.storage;
    this.#name = options.name ?? "device-key";
    if (this.#name.length < 1 || this.#name.length > 15) throw new RangeError(`storage key "${this.#name}" must be 1 to 15 characters`);
    this.#random = options.random ?? platformRandom;
    this.description = `software Ed25519 key in storage "${this.#name}"`;
  }

  /** The stored key, or undefined when none was generated yet. */
  open(): Promise<SecureKey | undefined> {
    const stored = this.#storage.get(this.#name);
    if (stored === undefined) return Promise.resolve(undefined);
    if (typeof stored === "string" || stored.length !== 32)
      return Promise.reject(new Error(`stored key "${this.#name}" is not a 32-byte seed: the storage is damaged; generate a new device key and enrol it again`));
    return Promise.resolve(new SoftwareKey(stored));
  }

  /** Makes and stores a new key (replacing any earlier one). */
  generate(): Promise<SecureKey> {
    const seed = this.#random(32);
    if (!(seed instanceof Uint8Array) || seed.length !== 32 || seed.every((b) => b === seed[0]))
      return Promise.reject(new Error("the random source gave no usable 32 bytes for the device key"));
    this.#storage.set(this.#name, seed.slice());
    const key = new SoftwareKey(seed);
    seed.fill(0);
    return Promise.resolve(key);
  }
}

function platformRandom(n: number): Uint8Array {
  const crypto = (globalThis as { crypto?: { getRandomValues?(bytes: Uint8Array): Uint8Array } }).crypto;
  if (!crypto?.getRandomValues) throw new Error("no random source on this platform: pass `random` to SoftwareKeyStore (the board's hardware RNG)");
  return crypto.getRandomValues(new Uint8Array(n));
}
