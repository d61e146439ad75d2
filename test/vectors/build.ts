// Builds every vector from its inputs with Signet's protocol code. Shared by
// generate.ts (which writes messages.json), the Node test and the XS test, so
// all three compute the same fields. No Node APIs: it runs on XS too.
import {
  encodePayload,
  fromHex,
  protectedHeader,
  publicKeyOf,
  sigStructure,
  signMessage,
  assembleSign1,
  toHex,
  parseAlg,
} from "../../firmware/protocol/index";
import { KEYS, VECTOR_INPUTS } from "./inputs";

export interface Vector {
  readonly name: string;
  readonly alg: "ES256" | "EdDSA";
  readonly kid: string;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly payload: string;
  readonly protected: string;
  readonly sigStructure: string;
  readonly signature: string;
  readonly message: string;
}

/** A case of invalid.json: a message that breaks exactly one rule, and the §6 reason (and CBOR code) it must get. */
export interface InvalidCase {
  readonly name: string;
  readonly message: string;
  readonly publicKey: string;
  readonly alg: "ES256" | "EdDSA";
  readonly maxSize?: number;
  readonly reason: string;
  readonly code: string | null;
}

export function buildVectors(): Vector[] {
  const out: Vector[] = [];
  for (const input of VECTOR_INPUTS) {
    for (const name of ["ES256", "EdDSA"] as const) {
      const alg = parseAlg(name);
      const key = fromHex(KEYS[name]);
      const payload = encodePayload(input.payload);
      const prot = protectedHeader(alg, input.kid);
      const tbs = sigStructure(prot, payload);
      const signature = signMessage(alg, key, tbs);
      out.push({
        name: input.name,
        alg: name,
        kid: input.kid,
        privateKey: KEYS[name],
        publicKey: toHex(publicKeyOf(alg, key)),
        payload: toHex(payload),
        protected: toHex(prot),
        sigStructure: toHex(tbs),
        signature: toHex(signature),
        message: toHex(assembleSign1(prot, payload, signature)),
      });
    }
  }
  return out;
}
