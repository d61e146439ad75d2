// Regenerates invalid.json: `npx tsx test/vectors/generate-invalid.ts`.
// Each case breaks exactly one rule of PROTOCOL §2–§4 (messages that get past
// the signature are properly signed, so only the intended rule fails) and
// names the §6 reason, and for CBOR the structural code, it must produce.
import { writeFileSync } from "node:fs";
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { sha512 } from "@noble/hashes/sha2.js";
import {
  assembleSign1,
  concatBytes,
  encodeCbor,
  encodeTaggedSign1,
  fromHex,
  protectedHeader,
  publicKeyOf,
  sigStructure,
  signMessage,
  signSign1,
  toHex,
  utf8Encode,
  type Alg,
  type CborInput,
} from "../../firmware/protocol/index.ts";
import type { InvalidCase } from "./build.ts";
import { KEYS, DEVICE } from "./inputs.ts";

type Case = { -readonly [K in keyof InvalidCase]: InvalidCase[K] };

const es = fromHex(KEYS.ES256);
const ed = fromHex(KEYS.EdDSA);
const key = (alg: Alg) => (alg === -7 ? es : ed);
const name = (alg: Alg): "ES256" | "EdDSA" => (alg === -7 ? "ES256" : "EdDSA");
const cases: Case[] = [];

function add(c: Omit<Case, "publicKey" | "alg" | "message"> & { message: Uint8Array; alg?: Alg }): void {
  const alg = c.alg ?? -8;
  cases.push({ ...c, message: toHex(c.message), alg: name(alg), publicKey: toHex(publicKeyOf(alg, key(alg))) });
}

const vote = {
  v: 1,
  t: "vote",
  dev: DEVICE,
  seq: 7,
  ts: 1790000000,
  ballot: "agm-2026.item-3",
  choice: "no",
  voter: "shareholder-118",
  auth: "pin",
};
const good = (alg: Alg = -8) => signSign1(alg, DEVICE, encodeCbor(vote), key(alg));
/** Signs arbitrary payload bytes properly, so the failure is in the payload alone. */
const signed = (payload: Uint8Array, alg: Alg = -8, kid = DEVICE) => signSign1(alg, kid, payload, key(alg));
/** A properly signed message with a hand-made protected header. */
function withProtected(prot: Uint8Array, alg: Alg = -8): Uint8Array {
  const payload = encodeCbor(vote);
  return assembleSign1(prot, payload, signMessage(alg, key(alg), sigStructure(prot, payload)));
}
const voteWith = (changes: { [k: string]: CborInput | undefined }) => encodeCbor({ ...vote, ...changes } as CborInput);
/** Replaces the first occurrence of `from` in `bytes` by `to`. */
function splice(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const hex = toHex(bytes);
  const at = hex.indexOf(from);
  if (at < 0 || at % 2) throw new Error(`splice: ${from} not found`);
  return fromHex(hex.slice(0, at) + to + hex.slice(at + from.length));
}

// Rule 1: size.
add({ name: "device message over 1024 bytes", message: signed(voteWith({ voter: "v", extra: "x".repeat(1000) })), maxSize: 1024, reason: "too-large", code: null });

// Rule 2: deterministic CBOR at every level, tag 18, COSE shape.
const g = good();
add({ name: "empty input", message: new Uint8Array(0), reason: "malformed", code: "truncated" });
add({ name: "untagged COSE_Sign1", message: g.subarray(1), reason: "malformed", code: "tag" });
add({ name: "tag 98 (COSE_Sign) instead of 18", message: concatBytes(fromHex("d862"), g.subarray(1)), reason: "malformed", code: "tag" });
add({ name: "tag 18 in non-shortest form", message: concatBytes(fromHex("d812"), g.subarray(1)), reason: "malformed", code: "non-shortest" });
add({ name: "truncated message", message: g.subarray(0, g.length - 1), reason: "malformed", code: "truncated" });
add({ name: "trailing byte after the message", message: concatBytes(g, fromHex("00")), reason: "malformed", code: "trailing-bytes" });
add({ name: "array of 3", message: encodeTaggedSign1([protectedHeader(-8, DEVICE), new Map(), encodeCbor(vote)]), reason: "malformed", code: null });
add({ name: "payload as text, not bytes", message: encodeTaggedSign1([protectedHeader(-8, DEVICE), new Map(), "x", new Uint8Array(64)]), reason: "malformed", code: null });
add({ name: "float in the payload", message: signed(splice(voteWith({ seq: 7 }), "6373657107", "63736571f94700")), reason: "malformed", code: "float" });
add({ name: "non-shortest integer in the payload", message: signed(splice(voteWith({ seq: 7 }), "6373657107", "637365711807")), reason: "malformed", code: "non-shortest" });
add({ name: "non-shortest length in the payload", message: signed(splice(encodeCbor(vote), "64766f7465", "7804766f7465")), reason: "malformed", code: "non-shortest" });
add({ name: "map keys in length-first (RFC 7049) order", message: signed(fromHex("a2" + "20" + "01" + "1818" + "02")), reason: "malformed", code: "unsorted-keys" });
add({ name: "duplicate map key", message: signed(fromHex("a2" + "6176" + "01" + "6176" + "01")), reason: "malformed", code: "duplicate-key" });
add({ name: "indefinite-length map", message: signed(fromHex("bf617601ff")), reason: "malformed", code: "indefinite" });
add({ name: "true in the payload", message: signed(fromHex("a16176f5")), reason: "malformed", code: "simple" });
add({ name: "tag inside the payload", message: signed(fromHex("a16176c11a6ab13b80")), reason: "malformed", code: "tag" });
add({ name: "invalid UTF-8 in a text string", message: signed(fromHex("a1617662c328")), reason: "malformed", code: "invalid-utf8" });
add({ name: "UTF-8 encoded surrogate", message: signed(fromHex("a1617663eda080")), reason: "malformed", code: "invalid-utf8" });
add({ name: "trailing bytes inside the payload", message: signed(concatBytes(encodeCbor(vote), fromHex("00"))), reason: "malformed", code: "trailing-bytes" });
add({ name: "byte-string map key", message: signed(fromHex("a1417601")), reason: "malformed", code: "bad-key-type" });
add({ name: "nesting deeper than 16", message: signed(fromHex("81".repeat(20) + "00")), reason: "malformed", code: "too-deep" });
add({ name: "protected header not deterministic", message: withProtected(fromHex("a2" + "0127" + "04" + "5808" + toHex(utf8Encode(DEVICE)))), reason: "malformed", code: "non-shortest" });

// Rule 3: header.
const kid = toHex(utf8Encode(DEVICE));
add({ name: "empty protected header", message: withProtected(new Uint8Array(0)), reason: "bad-header", code: null });
add({ name: "protected header with content type (3)", message: withProtected(fromHex(`a3012703000448${kid}`)), reason: "bad-header", code: null });
add({ name: "alg -35 (ES384)", message: withProtected(fromHex(`a20138220448${kid}`)), reason: "bad-header", code: null });
add({ name: "kid missing", message: withProtected(fromHex("a10127")), reason: "bad-header", code: null });
add({ name: "kid as text", message: withProtected(fromHex(`a201270468${kid}`)), reason: "bad-header", code: null });
add({ name: "empty kid", message: withProtected(fromHex("a201270440")), reason: "bad-header", code: null });
add({ name: "kid not UTF-8", message: withProtected(fromHex("a201270442c328")), reason: "bad-header", code: null });
add({ name: "protected header is an array", message: withProtected(fromHex("820127")), reason: "bad-header", code: null });
{
  const prot = protectedHeader(-8, DEVICE);
  const payload = encodeCbor(vote);
  const sig = signMessage(-8, ed, sigStructure(prot, payload));
  add({ name: "unprotected header not empty", message: encodeTaggedSign1([prot, new Map([[4, utf8Encode(DEVICE)]]), payload, sig]), reason: "bad-header", code: null });
}

// Rule 5: signature.
const N = p256.Point.Fn.ORDER;
const L = ed25519.Point.Fn.ORDER;
const big = (b: Uint8Array) => BigInt(`0x${toHex(b) || "0"}`);
const be32 = (n: bigint) => fromHex(n.toString(16).padStart(64, "0"));
const le32 = (n: bigint) => be32(n).reverse();
function replaceSignature(message: Uint8Array, signature: Uint8Array): Uint8Array {
  return concatBytes(message.subarray(0, message.length - 64), signature);
}
{
  const m = good(-7);
  const sig = m.subarray(m.length - 64);
  add({ name: "ES256 high-S (n − s of a valid signature)", alg: -7, message: replaceSignature(m, concatBytes(sig.subarray(0, 32), be32(N - big(sig.subarray(32))))), reason: "bad-signature", code: null });
  const flipped = sig.slice();
  flipped[5] ^= 1;
  add({ name: "ES256 signature with a flipped bit", alg: -7, message: replaceSignature(m, flipped), reason: "bad-signature", code: null });
  add({ name: "ES256 signed, EdDSA key registered", alg: -8, message: m, reason: "bad-signature", code: null });
  add({ name: "signature of 63 bytes", alg: -7, message: encodeTaggedSign1([protectedHeader(-7, DEVICE), new Map(), encodeCbor(vote), sig.subarray(1)]), reason: "bad-signature", code: null });
}
{
  const m = good(-8);
  const sig = m.subarray(m.length - 64);
  const s = big(sig.slice(32).reverse());
  add({ name: "EdDSA S + L (S not reduced)", message: replaceSignature(m, concatBytes(sig.subarray(0, 32), le32(s + L))), reason: "bad-signature", code: null });
  // R = the identity with y = 1 + p (a non-canonical encoding) and S = k·a:
  // a verifier that reduced y mod p would accept this; RFC 8032 decoding refuses it.
  const prot = protectedHeader(-8, DEVICE);
  const payload = encodeCbor(vote);
  const tbs = sigStructure(prot, payload);
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(ed);
  const P = ed25519.Point.Fp.ORDER;
  const rBytes = le32(1n + P);
  const k = big(sha512(concatBytes(rBytes, pointBytes, tbs)).slice().reverse()) % L;
  add({ name: "EdDSA non-canonical R (identity, y = 1 + p)", message: assembleSign1(prot, payload, concatBytes(rBytes, le32((k * scalar) % L))), reason: "bad-signature", code: null });
  add({ name: "EdDSA signed, ES256 key registered", alg: -7, message: m, reason: "bad-signature", code: null });
}

// Rule 6: payload (all properly signed).
add({ name: "unknown protocol version", message: signed(voteWith({ v: 2 })), reason: "bad-payload", code: null });
add({ name: "unknown message type", message: signed(voteWith({ t: "poll" })), reason: "bad-payload", code: null });
add({ name: "missing key", message: signed(voteWith({ auth: undefined })), reason: "bad-payload", code: null });
add({ name: "extra key", message: signed(voteWith({ note: "hi" })), reason: "bad-payload", code: null });
add({ name: "seq 0", message: signed(voteWith({ seq: 0 })), reason: "bad-payload", code: null });
add({ name: "auth not one of pin, fp, pin+fp", message: signed(voteWith({ auth: "face" })), reason: "bad-payload", code: null });
add({ name: "integer above 2^53 − 1", message: signed(voteWith({ seq: 2n ** 53n })), reason: "bad-payload", code: null });
add({ name: "payload is an array", message: signed(encodeCbor([1, 2])), reason: "bad-payload", code: null });
add({
  name: "reading with ts = 0",
  message: signed(encodeCbor({ v: 1, t: "reading", dev: DEVICE, seq: 9, ts: 0, ch: 0, count: 10, d: 1, imp: 1000, from: 100, to: 160 })),
  reason: "bad-payload",
  code: null,
});
add({
  name: "reading with d above count",
  message: signed(encodeCbor({ v: 1, t: "reading", dev: DEVICE, seq: 9, ts: 200, ch: 0, count: 10, d: 11, imp: 1000, from: 100, to: 160 })),
  reason: "bad-payload",
  code: null,
});

const file = new URL("./invalid.json", import.meta.url);
writeFileSync(file, `${JSON.stringify(cases, null, 2)}\n`);
console.log(`wrote ${cases.length} cases to ${file.pathname}`);
