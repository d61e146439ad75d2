// A software key store for Node fleets and benchmarks: the same Ed25519 seed
// in the same storage place as the firmware's SoftwareKeyStore, signing with
// node:crypto (OpenSSL) instead of @noble/curves. Ed25519 is deterministic
// (RFC 8032), so every signature is byte-identical to the firmware's; only
// the cost differs, which is what a fleet on one machine needs.
import { createPrivateKey, sign, type KeyObject } from "node:crypto";
import type { KeyStore } from "../../firmware/app/parts";
import type { SecureKey } from "../../firmware/drivers/interfaces";
import type { Storage } from "../../firmware/hal/storage";
import { ALG_EDDSA, publicKeyOf } from "../../firmware/protocol/index";
import { PKCS8_ED25519 } from "../runner/node-suite";


class NodeEd25519Key implements SecureKey {
  readonly alg = ALG_EDDSA;
  readonly #key: KeyObject;
  readonly #pub: Uint8Array;

  constructor(seed: Uint8Array) {
    this.#key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });
    this.#pub = publicKeyOf(ALG_EDDSA, seed);
  }

  publicKey(): Promise<Uint8Array> {
    return Promise.resolve(this.#pub.slice());
  }

  sign(toBeSigned: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(sign(null, toBeSigned, this.#key)));
  }

  close(): void {}
}

export function nodeKeyStore(storage: Storage, random: (n: number) => Uint8Array, name = "devkey"): KeyStore {
  return {
    alg: ALG_EDDSA,
    description: `software Ed25519 key in storage "${name}" (node:crypto)`,
    open() {
      const stored = storage.get(name);
      return Promise.resolve(stored instanceof Uint8Array && stored.length === 32 ? new NodeEd25519Key(stored) : undefined);
    },
    generate() {
      const seed = random(32);
      storage.set(name, seed.slice());
      return Promise.resolve(new NodeEd25519Key(seed));
    },
  };
}
