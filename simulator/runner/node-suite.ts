// node:crypto (OpenSSL) for the stand-in gateway's signatures on Node: the
// same Ed25519 signatures as @noble/curves (RFC 8032 is deterministic), and
// verification with parsed keys cached per device, as the real gateway does.
// ES256 keeps PROTOCOL §3's low-S rule.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { ALG_EDDSA, toHex, type Alg } from "../../firmware/protocol/index";
import type { SignatureSuite } from "../scenario/gateway";

/** PKCS#8 prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows. */
export const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");
const SPKI_P256 = Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex");
const P256_HALF_N = 0x7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8n;

export function nodeSignatureSuite(): SignatureSuite {
  const privateKeys = new Map<string, KeyObject>();
  const publicKeys = new Map<string, KeyObject>();
  return {
    signEd25519(seed, message) {
      const id = toHex(seed);
      let key = privateKeys.get(id);
      if (!key) privateKeys.set(id, (key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" })));
      return new Uint8Array(sign(null, message, key));
    },
    verify(alg: Alg, publicKey, message, signature) {
      const id = `${alg}/${toHex(publicKey)}`;
      let key = publicKeys.get(id);
      if (!key) {
        key = createPublicKey({ key: Buffer.concat([alg === ALG_EDDSA ? SPKI_ED25519 : SPKI_P256, publicKey]), format: "der", type: "spki" });
        publicKeys.set(id, key);
      }
      if (alg === ALG_EDDSA) return verify(null, message, key, signature);
      if (BigInt(`0x${toHex(signature.subarray(32))}`) > P256_HALF_N) return false;
      return verify("sha256", message, { key, dsaEncoding: "ieee-p1363" }, signature);
    },
  };
}
