// The two signature algorithms of PROTOCOL §3: ES256 (ECDSA P-256 + SHA-256,
// r‖s, low-S, RFC 6979 nonces) and EdDSA (Ed25519, strict RFC 8032 decoding,
// cofactorless equation). Pure @noble code, so it runs on XS and Node alike.
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { concatBytes } from "./bytes";

export const ALG_ES256 = -7;
export const ALG_EDDSA = -8;
export type Alg = -7 | -8;
export type AlgName = "ES256" | "EdDSA";

export function algName(alg: Alg): AlgName {
  return alg === ALG_ES256 ? "ES256" : "EdDSA";
}

/** Parses "ES256" / "EdDSA" (or the COSE numbers); throws naming the value otherwise. */
export function parseAlg(name: string | number): Alg {
  if (name === "ES256" || name === -7 || name === "-7") return ALG_ES256;
  if (name === "EdDSA" || name === -8 || name === "-8") return ALG_EDDSA;
  throw new RangeError(`unknown algorithm ${JSON.stringify(name)}: expected ES256 or EdDSA`);
}

export function isAlg(value: unknown): value is Alg {
  return value === ALG_ES256 || value === ALG_EDDSA;
}

/** Public key length per algorithm: 65-byte uncompressed P-256 point, 32-byte Ed25519 key. */
export function publicKeyLength(alg: Alg): number {
  return alg === ALG_ES256 ? 65 : 32;
}

const P256_N = p256.Point.Fn.ORDER;
const P256_HALF_N = P256_N >> 1n;
const ED25519_L = ed25519.Point.Fn.ORDER;

export function sha256Digest(message: Uint8Array): Uint8Array {
  return sha256(message);
}

/** The public key of a 32-byte private key (P-256 scalar or Ed25519 seed). */
export function publicKeyOf(alg: Alg, privateKey: Uint8Array): Uint8Array {
  checkPrivateKey(privateKey);
  return alg === ALG_ES256 ? p256.getPublicKey(privateKey, false) : ed25519.getPublicKey(privateKey);
}

function checkPrivateKey(privateKey: Uint8Array): void {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32)
    throw new RangeError(`private key must be 32 bytes, got ${privateKey instanceof Uint8Array ? privateKey.length : typeof privateKey}`);
}

/** Signs `message` with `alg`; ES256 hashes it with SHA-256 first. */
export function signMessage(alg: Alg, privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  if (alg === ALG_ES256) return signEs256Digest(sha256(message), privateKey);
  checkPrivateKey(privateKey);
  return ed25519.sign(message, privateKey);
}

/** ES256 over a precomputed SHA-256 digest, RFC 6979 nonce, low-S: the secure element's path in software. */
export function signEs256Digest(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  checkPrivateKey(privateKey);
  if (digest.length !== 32) throw new RangeError(`digest must be 32 bytes, got ${digest.length}`);
  return p256.sign(digest, privateKey, { prehash: false, lowS: true });
}

function bigFrom(bytes: Uint8Array, start: number, end: number): bigint {
  let n = 0n;
  for (let i = start; i < end; i++) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

function bigTo32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** True when the s half of an ES256 r‖s signature is at most n/2. */
export function isLowS(signature: Uint8Array): boolean {
  return signature.length === 64 && bigFrom(signature, 32, 64) <= P256_HALF_N;
}

/** Replaces a high s by n − s (PROTOCOL §3): what a secure element's raw signature needs. */
export function normalizeLowS(signature: Uint8Array): Uint8Array {
  if (signature.length !== 64) throw new RangeError(`ES256 signature must be 64 bytes, got ${signature.length}`);
  const s = bigFrom(signature, 32, 64);
  if (s <= P256_HALF_N) return signature;
  return concatBytes(signature.subarray(0, 32), bigTo32(P256_N - s));
}

type EdPoint = ReturnType<typeof ed25519.Point.fromBytes>;

/**
 * A public key decoded once, for a verifier that checks many messages of one
 * signer (a device checking its gateway's answers). For Ed25519 it may keep
 * precomputed multiples of the point (`tableWindow` bits, 2^(w−1)·⌈253/w + 1⌉
 * points): verification gets about 2.5× faster for that memory.
 */
export interface VerifyKey {
  readonly alg: Alg;
  readonly publicKey: Uint8Array;
  /** The strictly decoded Ed25519 point, or null when the key is not a canonical encoding. */
  readonly point?: EdPoint | null;
}

export function prepareVerifyKey(alg: Alg, publicKey: Uint8Array, tableWindow = 0): VerifyKey {
  if (alg === ALG_ES256 || publicKey.length !== 32) return { alg, publicKey };
  let point: EdPoint | null;
  try {
    // zip215 = false: y ≥ p and a negative zero x are refused, as RFC 8032 §5.1.3 requires.
    point = ed25519.Point.fromBytes(publicKey, false);
    if (tableWindow > 0) point.precompute(tableWindow, true);
  } catch {
    point = null;
  }
  return { alg, publicKey, point };
}

/** Verifies per PROTOCOL §3: exact lengths, high-S rejected for ES256, strict RFC 8032 for EdDSA. */
export function verifyMessage(alg: Alg, publicKey: Uint8Array | VerifyKey, message: Uint8Array, signature: Uint8Array): boolean {
  const key = publicKey instanceof Uint8Array ? prepareVerifyKey(alg, publicKey) : publicKey;
  if (key.alg !== alg || signature.length !== 64 || key.publicKey.length !== publicKeyLength(alg)) return false;
  return alg === ALG_ES256
    ? verifyEs256Digest(key.publicKey, sha256(message), signature)
    : verifyEd25519(key, message, signature);
}

export function verifyEs256Digest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 65 || publicKey[0] !== 4 || signature.length !== 64) return false;
  const r = bigFrom(signature, 0, 32);
  const s = bigFrom(signature, 32, 64);
  if (r === 0n || r >= P256_N || s === 0n || s > P256_HALF_N) return false;
  try {
    return p256.verify(signature, digest, publicKey, { prehash: false, lowS: true });
  } catch {
    return false;
  }
}

function verifyEd25519(key: VerifyKey, message: Uint8Array, signature: Uint8Array): boolean {
  const s = littleEndian(signature, 32, 64);
  if (s >= ED25519_L || !key.point) return false;
  const Point = ed25519.Point;
  let R;
  try {
    R = Point.fromBytes(signature.subarray(0, 32), false);
  } catch {
    return false;
  }
  const k = littleEndian(sha512(concatBytes(signature.subarray(0, 32), key.publicKey, message)), 0, 64) % ED25519_L;
  // Cofactorless: [S]B = R + [k]A exactly (RFC 8032 §5.1.7 without the factor 8).
  const SB = s === 0n ? Point.ZERO : Point.BASE.multiplyUnsafe(s);
  return SB.equals(R.add(k === 0n ? Point.ZERO : key.point.multiplyUnsafe(k)));
}

function littleEndian(bytes: Uint8Array, start: number, end: number): bigint {
  let n = 0n;
  for (let i = end - 1; i >= start; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/**
 * What is wrong with a public key offered for enrolment (PROTOCOL §8), or
 * null when it is fine: wrong length, P-256 point not on the curve,
 * non-canonical Ed25519 encoding, or an Ed25519 key of small or mixed order.
 */
export function publicKeyProblem(alg: Alg, publicKey: Uint8Array): string | null {
  if (publicKey.length !== publicKeyLength(alg))
    return `${algName(alg)} public key must be ${publicKeyLength(alg)} bytes, got ${publicKey.length}`;
  if (alg === ALG_ES256) {
    if (publicKey[0] !== 4) return "P-256 public key must be an uncompressed point (first byte 0x04)";
    try {
      p256.Point.fromBytes(publicKey).assertValidity();
    } catch {
      return "P-256 public key is not a point on the curve";
    }
    return null;
  }
  let A;
  try {
    A = ed25519.Point.fromBytes(publicKey, false);
  } catch {
    return "Ed25519 public key is not a canonical point encoding";
  }
  if (A.isSmallOrder()) return "Ed25519 public key has small order";
  if (!A.isTorsionFree()) return "Ed25519 public key has mixed order";
  return null;
}
