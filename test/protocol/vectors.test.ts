// The protocol test vectors, checked three independent ways: Signet's codec
// rebuilds every byte, cbor-x decodes them, node:crypto verifies the signatures.
import { createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { Decoder, Tag } from "cbor-x";
import { describe, expect, it } from "vitest";
import { decodeSign1, fromHex, openMessage, ProtocolError, type Alg, CborError } from "../../firmware/protocol/index.ts";
import { buildVectors, type InvalidCase, type Vector } from "../vectors/build.ts";
import { VECTOR_INPUTS } from "../vectors/inputs.ts";

const vectors = JSON.parse(readFileSync(new URL("../vectors/messages.json", import.meta.url), "utf8")) as Vector[];
const invalid = JSON.parse(readFileSync(new URL("../vectors/invalid.json", import.meta.url), "utf8")) as InvalidCase[];

const cborx = new Decoder({ mapsAsObjects: false, useRecords: false, int64AsType: "bigint" } as ConstructorParameters<typeof Decoder>[0]);
const buf = (hex: string) => Buffer.from(hex, "hex");

/** The inputs as cbor-x would decode them: maps as Map, bytes as Uint8Array/Buffer compared by value. */
function asDecoded(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(asDecoded);
  if (value !== null && typeof value === "object") return new Map(Object.entries(value).map(([k, v]) => [k, asDecoded(v)]));
  return value;
}

function publicKeyObject(alg: string, hex: string) {
  if (alg === "ES256") {
    const pub = buf(hex);
    return createPublicKey({ key: { kty: "EC", crv: "P-256", x: pub.subarray(1, 33).toString("base64url"), y: pub.subarray(33).toString("base64url") }, format: "jwk" });
  }
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: buf(hex).toString("base64url") }, format: "jwk" });
}

describe("protocol test vectors", () => {
  it("cover every payload type with both algorithms", () => {
    expect(vectors.length).toBe(VECTOR_INPUTS.length * 2);
    expect(new Set(vectors.map((v) => `${v.name}/${v.alg}`)).size).toBe(vectors.length);
  });

  it("are rebuilt byte for byte by Signet's codec (RFC 6979 makes ES256 exact)", () => {
    expect(buildVectors()).toEqual(vectors);
  });

  it.each(vectors)("$name/$alg decodes with cbor-x to the same structure", (v) => {
    const outer = cborx.decode(buf(v.message)) as Tag;
    expect(outer).toBeInstanceOf(Tag);
    expect(outer.tag).toBe(18);
    const [prot, unprot, payload, signature] = outer.value as [Uint8Array, Map<unknown, unknown>, Uint8Array, Uint8Array];
    expect(Buffer.from(prot).toString("hex")).toBe(v.protected);
    expect(unprot).toEqual(new Map());
    expect(Buffer.from(payload).toString("hex")).toBe(v.payload);
    expect(Buffer.from(signature).toString("hex")).toBe(v.signature);
    expect(cborx.decode(buf(v.protected))).toEqual(new Map<number, unknown>([[1, v.alg === "ES256" ? -7 : -8], [4, Buffer.from(v.kid)]]));
    const input = VECTOR_INPUTS.find((i) => i.name === v.name)!;
    expect(cborx.decode(buf(v.payload))).toEqual(asDecoded(input.payload));
    expect(cborx.decode(buf(v.sigStructure))).toEqual(["Signature1", buf(v.protected), Buffer.alloc(0), buf(v.payload)]);
  });

  it.each(vectors)("$name/$alg verifies with node:crypto", (v) => {
    const key = publicKeyObject(v.alg, v.publicKey);
    const ok =
      v.alg === "ES256"
        ? verify("sha256", buf(v.sigStructure), { key, dsaEncoding: "ieee-p1363" }, buf(v.signature))
        : verify(null, buf(v.sigStructure), key, buf(v.signature));
    expect(ok).toBe(true);
  });

  it.each(vectors)("$name/$alg opens with Signet's verifier", (v) => {
    const opened = openMessage(fromHex(v.message), { publicKey: fromHex(v.publicKey), alg: v.alg === "ES256" ? -7 : -8 });
    expect(opened.message.kid).toBe(v.kid);
    expect(opened.payload.t).toBe(v.name);
  });
});

describe("invalid messages", () => {
  it("cover every reason a message can fail on its own (rules 1–3, 5, 6)", () => {
    expect(new Set(invalid.map((c) => c.reason))).toEqual(new Set(["too-large", "malformed", "bad-header", "bad-signature", "bad-payload"]));
  });

  it.each(invalid)("$name → $reason", (c) => {
    let error: unknown;
    try {
      openMessage(fromHex(c.message), { publicKey: fromHex(c.publicKey), alg: (c.alg === "ES256" ? -7 : -8) as Alg, maxSize: c.maxSize });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).reason).toBe(c.reason);
    expect(error instanceof CborError ? error.code : null).toBe(c.code);
  });

  it("that verify under Signet's rules are exactly those node:crypto accepts (signature cases)", () => {
    for (const c of invalid.filter((x) => x.reason === "bad-signature")) {
      let message;
      try {
        message = decodeSign1(fromHex(c.message));
      } catch {
        continue;
      }
      if (message.signature.length !== 64 || (c.alg === "ES256" ? -7 : -8) !== message.alg) continue;
      const key = publicKeyObject(c.alg, c.publicKey);
      // The Sig_structure built by hand from RFC 9052 §4.4, independently of Signet's encoder.
      const sigStructure = Buffer.concat([
        Buffer.from("846a5369676e617475726531", "hex"),
        Buffer.from(cborBstrHead(message.protectedBytes.length)),
        Buffer.from(message.protectedBytes),
        Buffer.from("40", "hex"),
        Buffer.from(cborBstrHead(message.payloadBytes.length)),
        Buffer.from(message.payloadBytes),
      ]);
      const nodeOk =
        c.alg === "ES256"
          ? verify("sha256", sigStructure, { key, dsaEncoding: "ieee-p1363" }, Buffer.from(message.signature))
          : verify(null, sigStructure, key, Buffer.from(message.signature));
      // OpenSSL accepts high-S ECDSA (Signet adds that check); everything else it must refuse too.
      if (c.name.includes("high-S")) expect(nodeOk).toBe(true);
      else expect(nodeOk, c.name).toBe(false);
    }
  });
});

function cborBstrHead(length: number): number[] {
  if (length < 24) return [0x40 | length];
  if (length < 256) return [0x58, length];
  return [0x59, length >> 8, length & 255];
}
