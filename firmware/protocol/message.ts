// A signed payload end to end: build + sign, and open = PROTOCOL §6 rules 1–3,
// 5 and 6 in order (rule 4, the registry, belongs to the receiver).
import { assembleSign1, decodeSign1, protectedHeader, sigStructure, signSign1, verifySign1, MAX_BALLOT, MAX_DEVICE_MESSAGE, type Sign1 } from "./cose";
import { encodePayload, parsePayload, DEVICE_MESSAGE_TYPES, type Payload, type PayloadType } from "./payload";
import { sha256Digest, type Alg, type VerifyKey } from "./sig";

/** The size limit of §3 and §8 for a payload type (gateway records have none). */
export function sizeLimit(t: PayloadType): number {
  if ((DEVICE_MESSAGE_TYPES as readonly string[]).includes(t) || t === "ack" || t === "nack") return MAX_DEVICE_MESSAGE;
  if (t === "ballot") return MAX_BALLOT;
  return Infinity;
}

/** Validates, encodes and signs a payload with a software key. */
export function signPayload(alg: Alg, kid: string, payload: Payload, privateKey: Uint8Array): Uint8Array {
  return signSign1(alg, kid, encodePayload(payload), privateKey);
}

/** The parts a secure element needs: it signs `digest` (SHA-256 of the Sig_structure) with its own nonce. */
export interface PendingSign1 {
  readonly protectedBytes: Uint8Array;
  readonly payloadBytes: Uint8Array;
  readonly digest: Uint8Array;
}

export function prepareEs256(kid: string, payload: Payload): PendingSign1 {
  const protectedBytes = protectedHeader(-7, kid);
  const payloadBytes = encodePayload(payload);
  return { protectedBytes, payloadBytes, digest: sha256Digest(sigStructure(protectedBytes, payloadBytes)) };
}

/** Completes a prepared message with the r‖s from the secure element (already normalised to low-S). */
export function completeSign1(pending: PendingSign1, signature: Uint8Array): Uint8Array {
  return assembleSign1(pending.protectedBytes, pending.payloadBytes, signature);
}

export interface OpenOptions<T extends PayloadType> {
  /** The signer's key, as bytes or decoded once with prepareVerifyKey. */
  readonly publicKey: Uint8Array | VerifyKey;
  /** The registered algorithm; the message's must match it. */
  readonly alg?: Alg;
  readonly maxSize?: number;
  readonly allowed?: readonly T[];
}

export interface Opened<T extends PayloadType> {
  readonly message: Sign1;
  readonly payload: Extract<Payload, { t: T }>;
}

/** Decodes, verifies and validates; throws ProtocolError with the reason of the first rule broken. */
export function openMessage<T extends PayloadType = PayloadType>(bytes: Uint8Array, options: OpenOptions<T>): Opened<T> {
  const message = decodeSign1(bytes, options.maxSize ?? Infinity);
  verifySign1(message, options.publicKey, options.alg ?? message.alg);
  return { message, payload: parsePayload(message.payload, options.allowed) };
}
