// COSE_Sign1 (RFC 9052 §4.2) as PROTOCOL §3 restricts it:
// 18([ <<{1: alg, 4: kid}>>, {}, <<payload>>, signature ]).
import { utf8Decode, utf8Encode } from "./bytes";
import { decodeCbor, encodeCbor, encodeTaggedSign1, type CborMap, type CborValue } from "./cbor";
import { CborError, ProtocolError } from "./errors";
import { algName, isAlg, signMessage, verifyMessage, type Alg, type VerifyKey } from "./sig";

/** Size limits of PROTOCOL §3. */
export const MAX_DEVICE_MESSAGE = 1024;
export const MAX_BALLOT = 16 * 1024;

export interface Sign1 {
  /** The whole message as received. */
  readonly bytes: Uint8Array;
  readonly protectedBytes: Uint8Array;
  readonly alg: Alg;
  readonly kid: string;
  readonly payloadBytes: Uint8Array;
  /** The decoded payload; PROTOCOL §4 validation is separate (rule 6 comes after the signature). */
  readonly payload: CborValue;
  readonly signature: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** The protected header bytes for `alg` and `kid`: the deterministic encoding of {1: alg, 4: kid}. */
export function protectedHeader(alg: Alg, kid: string): Uint8Array {
  if (kid.length === 0) throw new ProtocolError("bad-header", "kid must not be empty");
  return encodeCbor(new Map<number, CborValue>([[1, alg], [4, utf8Encode(kid)]]));
}

/** Sig_structure = ["Signature1", protected, h'', payload], the bytes that are signed. */
export function sigStructure(protectedBytes: Uint8Array, payloadBytes: Uint8Array): Uint8Array {
  return encodeCbor(["Signature1", protectedBytes, EMPTY, payloadBytes]);
}

/** The tagged COSE_Sign1 message from its parts. */
export function assembleSign1(protectedBytes: Uint8Array, payloadBytes: Uint8Array, signature: Uint8Array): Uint8Array {
  return encodeTaggedSign1([protectedBytes, new Map(), payloadBytes, signature]);
}

/** Signs encoded payload bytes with a software key (ES256: RFC 6979, low-S; EdDSA: Ed25519). */
export function signSign1(alg: Alg, kid: string, payloadBytes: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const prot = protectedHeader(alg, kid);
  const signature = signMessage(alg, privateKey, sigStructure(prot, payloadBytes));
  return assembleSign1(prot, payloadBytes, signature);
}

/**
 * Decodes a COSE_Sign1 and checks PROTOCOL §6 rules 1–3 (size, deterministic
 * CBOR at every level, header). Throws ProtocolError with the rule's reason.
 */
export function decodeSign1(bytes: Uint8Array, maxSize = Infinity): Sign1 {
  if (bytes.length > maxSize) throw new ProtocolError("too-large", `message is ${bytes.length} bytes, over the limit of ${maxSize}`);
  const outer = decodeCbor(bytes, { sign1: true });
  if (!Array.isArray(outer) || outer.length !== 4)
    throw new ProtocolError("malformed", "COSE_Sign1 must be an array of 4 items");
  const [prot, unprot, payloadBytes, signature] = outer;
  if (!(prot instanceof Uint8Array)) throw new ProtocolError("malformed", "COSE_Sign1 protected header must be a byte string");
  if (!(unprot instanceof Map)) throw new ProtocolError("malformed", "COSE_Sign1 unprotected header must be a map");
  if (!(payloadBytes instanceof Uint8Array)) throw new ProtocolError("malformed", "COSE_Sign1 payload must be a byte string");
  if (!(signature instanceof Uint8Array)) throw new ProtocolError("malformed", "COSE_Sign1 signature must be a byte string");
  const header = prot.length === 0 ? undefined : decodeNested(prot, "protected header");
  const payload = decodeNested(payloadBytes, "payload");

  if (header === undefined) throw new ProtocolError("bad-header", "protected header is empty");
  if (!(header instanceof Map)) throw new ProtocolError("bad-header", "protected header is not a map");
  if (header.size !== 2 || !header.has(1) || !header.has(4))
    throw new ProtocolError("bad-header", "protected header must be exactly {1: alg, 4: kid}");
  const alg = header.get(1);
  if (!isAlg(alg)) throw new ProtocolError("bad-header", `alg ${String(alg)} is not -7 (ES256) or -8 (EdDSA)`);
  const kidBytes = header.get(4);
  if (!(kidBytes instanceof Uint8Array)) throw new ProtocolError("bad-header", "kid must be a byte string");
  if (kidBytes.length === 0) throw new ProtocolError("bad-header", "kid is empty");
  let kid: string;
  try {
    kid = utf8Decode(kidBytes);
  } catch {
    throw new ProtocolError("bad-header", "kid is not valid UTF-8");
  }
  if ((unprot as CborMap).size !== 0) throw new ProtocolError("bad-header", "unprotected header must be empty");
  return { bytes, protectedBytes: prot, alg, kid, payloadBytes, payload, signature };
}

function decodeNested(bytes: Uint8Array, what: string): CborValue {
  try {
    return decodeCbor(bytes);
  } catch (e) {
    if (e instanceof CborError) throw new CborError(e.code, `${what}: ${e.message}`);
    throw e;
  }
}

/**
 * Checks the signature of a decoded message against a registered key (§6
 * rule 5): the algorithm must match the registration, high-S ES256 and
 * non-canonical EdDSA signatures fail. Throws ProtocolError("bad-signature").
 */
export function verifySign1(message: Sign1, publicKey: Uint8Array | VerifyKey, alg: Alg = message.alg): void {
  if (message.alg !== alg)
    throw new ProtocolError("bad-signature", `message is signed with ${algName(message.alg)}, the key is ${algName(alg)}`);
  if (message.signature.length !== 64)
    throw new ProtocolError("bad-signature", `signature must be 64 bytes, got ${message.signature.length}`);
  if (!verifyMessage(alg, publicKey, sigStructure(message.protectedBytes, message.payloadBytes), message.signature))
    throw new ProtocolError("bad-signature", `${algName(alg)} signature does not verify`);
}
