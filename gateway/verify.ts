// PROTOCOL §6 rules 1–7, in order, for one uplink: size, CBOR, header, the
// registry, the signature (node:crypto, i.e. OpenSSL), the payload, the topic.
// Rule 8 and later need the ledger and belong to the scan cycle.
import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import {
  ALG_ES256,
  DEVICE_MESSAGE_TYPES,
  MAX_DEVICE_MESSAGE,
  ProtocolError,
  algName,
  decodeSign1,
  isLowS,
  parsePayload,
  parseTopic,
  sigStructure,
  type Alg,
  type DeviceMessage,
  type RejectReason,
  type Sign1,
} from "../firmware/protocol/index.ts";

/** What verification needs to know about an enrolled device. */
export interface EnrolledDevice {
  /** SQLite rowid: the integer key that de-duplication uses instead of the id string. */
  readonly rowid: number;
  readonly id: string;
  readonly site: string;
  readonly alg: Alg;
  readonly pub: Uint8Array;
  readonly status: "active" | "revoked";
}

export interface DeviceLookup {
  device(id: string): EnrolledDevice | undefined;
}

/** A message that passed rules 1–7, ready for the scan cycle. */
export interface VerifiedMessage {
  readonly topic: string;
  readonly bytes: Uint8Array;
  readonly device: EnrolledDevice;
  readonly payload: DeviceMessage;
  /** Gateway receive time, Unix milliseconds. */
  readonly receivedAt: number;
}

/** A message refused by rules 1–7; `answer` is set when a nack is owed (rule 7 only, §6). */
export interface Rejection {
  readonly reason: RejectReason;
  readonly detail: string;
  readonly topic: string;
  readonly bytes: Uint8Array;
  readonly receivedAt: number;
  readonly answer?: { readonly device: EnrolledDevice; readonly seq: number };
}

export type Refusal = { readonly ok: false; readonly rejection: Rejection };
export type Verdict = { readonly ok: true; readonly message: VerifiedMessage } | Refusal;

// DER prefixes of SubjectPublicKeyInfo for a raw key: P-256 uncompressed point, Ed25519.
const P256_SPKI = Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex");
const ED25519_SPKI = Buffer.from("302a300506032b6570032100", "hex");

/** Imports a raw public key as a node:crypto KeyObject (throws on a key OpenSSL refuses). */
export function importPublicKey(alg: Alg, pub: Uint8Array): KeyObject {
  const prefix = alg === ALG_ES256 ? P256_SPKI : ED25519_SPKI;
  return createPublicKey({ key: Buffer.concat([prefix, pub]), format: "der", type: "spki" });
}

/**
 * Rule 5 with OpenSSL: the algorithm must match the registration, ES256
 * signatures must be low-S (OpenSSL accepts high-S, §3 does not), EdDSA is
 * OpenSSL's check (S < L, R compared by encoding, cofactorless).
 */
export function signatureProblem(message: Sign1, alg: Alg, key: KeyObject): string | null {
  if (message.alg !== alg) return `message is signed with ${algName(message.alg)}, the device is enrolled with ${algName(alg)}`;
  if (message.signature.length !== 64) return `signature must be 64 bytes, got ${message.signature.length}`;
  return checkSignature(alg, key, sigStructure(message.protectedBytes, message.payloadBytes), message.signature);
}

/** The signature check proper, over the Sig_structure bytes (what a verification thread runs). */
export function checkSignature(alg: Alg, key: KeyObject, signed: Uint8Array, signature: Uint8Array): string | null {
  if (alg === ALG_ES256) {
    if (!isLowS(signature)) return "ES256 signature has a high s (above n/2)";
    return cryptoVerify("sha256", signed, { key, dsaEncoding: "ieee-p1363" }, signature) ? null : "ES256 signature does not verify";
  }
  return cryptoVerify(null, signed, key, signature) ? null : "EdDSA signature does not verify";
}

/** Keeps one parsed KeyObject per device: importing a key per message halves the verification rate. */
export class KeyCache {
  readonly #keys = new Map<string, { pub: Uint8Array; key: KeyObject }>();

  get(id: string, alg: Alg, pub: Uint8Array): KeyObject {
    const cached = this.#keys.get(id);
    if (cached !== undefined && (cached.pub === pub || Buffer.compare(cached.pub, pub) === 0)) return cached.key;
    const key = importPublicKey(alg, pub);
    this.#keys.set(id, { pub, key });
    return key;
  }

  forget(id: string): void {
    this.#keys.delete(id);
  }
}

/** A message that passed rules 1–4 and waits for its signature check (rule 5). */
export interface SignatureWork {
  readonly topic: string;
  readonly bytes: Uint8Array;
  readonly receivedAt: number;
  readonly message: Sign1;
  readonly device: EnrolledDevice;
}

/**
 * Applies rules 1–7 against the registry. `verify` does it all on the
 * calling thread; `precheck` (rules 1–4 and the algorithm match) and
 * `finish` (rules 6–7) let a verification thread do the signature in between.
 */
export class Verifier {
  readonly #devices: DeviceLookup;
  readonly #keys = new KeyCache();

  constructor(devices: DeviceLookup) {
    this.#devices = devices;
  }

  verify(topic: string, bytes: Uint8Array, receivedAt: number): Verdict {
    const work = this.precheck(topic, bytes, receivedAt);
    if ("rejection" in work) return work;
    return this.finish(work, this.checkLocally(work));
  }

  /** Rule 5 on the calling thread: null when the signature verifies, else what is wrong. */
  checkLocally(work: SignatureWork): string | null {
    const { message, device } = work;
    return checkSignature(device.alg, this.#keys.get(device.id, device.alg, device.pub), sigStructure(message.protectedBytes, message.payloadBytes), message.signature);
  }

  /** Rules 1–4, and the parts of rule 5 that need no cryptography (algorithm, signature length). */
  precheck(topic: string, bytes: Uint8Array, receivedAt: number): SignatureWork | Refusal {
    let message: Sign1;
    try {
      // Rules 1–3. Everything arriving under the uplink filter is a device topic: 1024 bytes (§8).
      message = decodeSign1(bytes, MAX_DEVICE_MESSAGE);
    } catch (e) {
      if (e instanceof ProtocolError) return rejected(topic, bytes, receivedAt, e.reason, e.message);
      throw e;
    }
    const device = this.#devices.device(message.kid);
    if (device === undefined) return rejected(topic, bytes, receivedAt, "unknown-device", `kid "${message.kid}" is not enrolled`);
    if (device.status === "revoked") return rejected(topic, bytes, receivedAt, "revoked", `device "${device.id}" is revoked`);
    if (message.alg !== device.alg)
      return rejected(topic, bytes, receivedAt, "bad-signature", `message is signed with ${algName(message.alg)}, the device is enrolled with ${algName(device.alg)}`);
    if (message.signature.length !== 64) return rejected(topic, bytes, receivedAt, "bad-signature", `signature must be 64 bytes, got ${message.signature.length}`);
    return { topic, bytes, receivedAt, message, device };
  }

  /** Rule 5's verdict (null: the signature verified), then rules 6 and 7. */
  finish(work: SignatureWork, signatureProblem: string | null): Verdict {
    const { topic, bytes, receivedAt, message, device } = work;
    if (signatureProblem !== null) return rejected(topic, bytes, receivedAt, "bad-signature", signatureProblem);
    let payload: DeviceMessage;
    try {
      payload = parsePayload(message.payload, DEVICE_MESSAGE_TYPES);
    } catch (e) {
      if (e instanceof ProtocolError) return rejected(topic, bytes, receivedAt, e.reason, e.message);
      throw e;
    }
    const mismatch = topicMismatch(topic, device, payload);
    // §8: the nack for a topic mismatch goes to the registered device (kid), with dev = kid.
    if (mismatch !== null) return rejected(topic, bytes, receivedAt, "topic-mismatch", mismatch, { device, seq: payload.seq });
    return { ok: true, message: { topic, bytes, device, payload, receivedAt } };
  }

  /** Drops a cached key (after a re-enrolment or a revocation). */
  forget(deviceId: string): void {
    this.#keys.forget(deviceId);
  }
}

function rejected(topic: string, bytes: Uint8Array, receivedAt: number, reason: RejectReason, detail: string, answer?: Rejection["answer"]): Refusal {
  return { ok: false, rejection: { reason, detail, topic, bytes, receivedAt, answer } };
}

/** Rule 7: the topic's site, device and type against the registration, kid, dev and t; null when they agree. */
export function topicMismatch(topic: string, device: EnrolledDevice, payload: DeviceMessage): string | null {
  const parsed = parseTopic(topic);
  if (parsed === null || parsed.kind !== "device") return `topic "${topic}" is not a device uplink topic`;
  if (parsed.site !== device.site) return `topic site "${parsed.site}" is not the device's site "${device.site}"`;
  if (parsed.dev !== device.id) return `topic device "${parsed.dev}" is not the signer "${device.id}"`;
  if (payload.dev !== device.id) return `payload dev "${payload.dev}" is not the signer "${device.id}"`;
  if (parsed.channel !== payload.t) return `a ${payload.t} arrived on the ${parsed.channel} topic`;
  return null;
}
