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

export type Verdict = { readonly ok: true; readonly message: VerifiedMessage } | { readonly ok: false; readonly rejection: Rejection };

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
  const signed = sigStructure(message.protectedBytes, message.payloadBytes);
  if (alg === ALG_ES256) {
    if (!isLowS(message.signature)) return "ES256 signature has a high s (above n/2)";
    return cryptoVerify("sha256", signed, { key, dsaEncoding: "ieee-p1363" }, message.signature) ? null : "ES256 signature does not verify";
  }
  return cryptoVerify(null, signed, key, message.signature) ? null : "EdDSA signature does not verify";
}

/** Applies rules 1–7 against the registry; keeps one parsed key per device so no message re-imports one. */
export class Verifier {
  readonly #devices: DeviceLookup;
  readonly #keys = new Map<string, { pub: Uint8Array; key: KeyObject }>();

  constructor(devices: DeviceLookup) {
    this.#devices = devices;
  }

  verify(topic: string, bytes: Uint8Array, receivedAt: number): Verdict {
    const reject = (reason: RejectReason, detail: string, answer?: Rejection["answer"]): Verdict => ({
      ok: false,
      rejection: { reason, detail, topic, bytes, receivedAt, answer },
    });
    let message: Sign1;
    try {
      // Rules 1–3. Everything arriving under the uplink filter is a device topic: 1024 bytes (§8).
      message = decodeSign1(bytes, MAX_DEVICE_MESSAGE);
    } catch (e) {
      if (e instanceof ProtocolError) return reject(e.reason, e.message);
      throw e;
    }
    const device = this.#devices.device(message.kid);
    if (device === undefined) return reject("unknown-device", `kid "${message.kid}" is not enrolled`);
    if (device.status === "revoked") return reject("revoked", `device "${device.id}" is revoked`);
    const problem = signatureProblem(message, device.alg, this.#keyOf(device));
    if (problem !== null) return reject("bad-signature", problem);
    let payload: DeviceMessage;
    try {
      payload = parsePayload(message.payload, DEVICE_MESSAGE_TYPES);
    } catch (e) {
      if (e instanceof ProtocolError) return reject(e.reason, e.message);
      throw e;
    }
    const mismatch = topicMismatch(topic, device, payload);
    // §8: the nack for a topic mismatch goes to the registered device (kid), with dev = kid.
    if (mismatch !== null) return reject("topic-mismatch", mismatch, { device, seq: payload.seq });
    return { ok: true, message: { topic, bytes, device, payload, receivedAt } };
  }

  /** Drops a cached key (after a re-enrolment or a revocation). */
  forget(deviceId: string): void {
    this.#keys.delete(deviceId);
  }

  #keyOf(device: EnrolledDevice): KeyObject {
    const cached = this.#keys.get(device.id);
    if (cached !== undefined && cached.pub === device.pub) return cached.key;
    const key = importPublicKey(device.alg, device.pub);
    this.#keys.set(device.id, { pub: device.pub, key });
    return key;
  }
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
