import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import {
  concatBytes,
  fromHex,
  isLowS,
  normalizeLowS,
  publicKeyOf,
  publicKeyProblem,
  sha256Digest,
  signEs256Digest,
  signMessage,
  toHex,
  utf8Encode,
  verifyMessage,
} from "../../firmware/protocol/index.ts";

const N = p256.Point.Fn.ORDER;

describe("ES256", () => {
  // RFC 6979 §A.2.5, P-256 with SHA-256.
  const key = fromHex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
  const pub = publicKeyOf(-7, key);

  it("derives the RFC 6979 A.2.5 public key", () => {
    expect(toHex(pub)).toBe(
      "04" + "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6" + "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299",
    );
  });

  it('signs "test" exactly as RFC 6979 A.2.5 (its s is already low)', () => {
    const sig = signMessage(-7, key, utf8Encode("test"));
    expect(toHex(sig)).toBe(
      "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367" + "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083",
    );
    expect(verifyMessage(-7, pub, utf8Encode("test"), sig)).toBe(true);
  });

  it('signs "sample" with RFC 6979 A.2.5\'s nonce and replaces its high s by n − s', () => {
    const rfcS = BigInt("0xf7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
    const sig = signMessage(-7, key, utf8Encode("sample"));
    expect(toHex(sig.subarray(0, 32))).toBe("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716");
    expect(BigInt(`0x${toHex(sig.subarray(32))}`)).toBe(N - rfcS);
    expect(isLowS(sig)).toBe(true);
    const high = concatBytes(sig.subarray(0, 32), fromHex(rfcS.toString(16)));
    expect(isLowS(high)).toBe(false);
    expect(verifyMessage(-7, pub, utf8Encode("sample"), high)).toBe(false);
    expect(toHex(normalizeLowS(high))).toBe(toHex(sig));
  });

  it("signs a precomputed digest the same way (the secure element's path)", () => {
    const message = utf8Encode("a Sig_structure");
    expect(toHex(signEs256Digest(sha256Digest(message), key))).toBe(toHex(signMessage(-7, key, message)));
  });

  it("rejects r or s out of range, compressed keys and wrong lengths", () => {
    const message = utf8Encode("test");
    const sig = signMessage(-7, key, message);
    expect(verifyMessage(-7, pub, message, concatBytes(new Uint8Array(32), sig.subarray(32)))).toBe(false);
    expect(verifyMessage(-7, pub, message, concatBytes(sig.subarray(0, 32), new Uint8Array(32)))).toBe(false);
    expect(verifyMessage(-7, p256.getPublicKey(key, true), message, sig)).toBe(false);
    expect(verifyMessage(-7, pub, message, sig.subarray(0, 63))).toBe(false);
  });
});

describe("EdDSA (Ed25519)", () => {
  // RFC 8032 §7.1 tests 1–3.
  const TESTS = [
    {
      seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      pub: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
      msg: "",
      sig: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    },
    {
      seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      pub: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
      msg: "72",
      sig: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    },
    {
      seed: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
      pub: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
      msg: "af82",
      sig: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    },
  ];

  it.each(TESTS)("matches RFC 8032 §7.1 ($pub)", (t) => {
    const seed = fromHex(t.seed);
    expect(toHex(publicKeyOf(-8, seed))).toBe(t.pub);
    expect(toHex(signMessage(-8, seed, fromHex(t.msg)))).toBe(t.sig);
    expect(verifyMessage(-8, fromHex(t.pub), fromHex(t.msg), fromHex(t.sig))).toBe(true);
  });

  it("rejects S ≥ L", () => {
    const t = TESTS[0];
    const sig = fromHex(t.sig);
    const L = ed25519.Point.Fn.ORDER;
    const s = BigInt(`0x${toHex(sig.slice(32).reverse())}`) + L;
    const sPlusL = fromHex(s.toString(16).padStart(64, "0")).reverse();
    expect(verifyMessage(-8, fromHex(t.pub), fromHex(t.msg), concatBytes(sig.subarray(0, 32), sPlusL))).toBe(false);
  });

  it("uses the cofactorless equation: a signature off by a small-order point fails", () => {
    // R' = [r]B + T with T the order-2 point, S = r + k·a: then [S]B − R' − [k]A = −T,
    // which a cofactored verifier ([8]·… = 0) accepts and RFC 8032's cofactorless one refuses.
    const seed = fromHex(TESTS[1].seed);
    const message = fromHex(TESTS[1].msg);
    const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed);
    const L = ed25519.Point.Fn.ORDER;
    const T = ed25519.Point.fromBytes(fromHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));
    const r = 123456789n;
    const R = ed25519.Point.BASE.multiply(r).add(T).toBytes();
    const k = BigInt(`0x${toHex(sha512(concatBytes(R, pointBytes, message)).reverse())}`) % L;
    const S = fromHex(((r + k * scalar) % L).toString(16).padStart(64, "0")).reverse();
    const sig = concatBytes(R, S);
    expect(ed25519.verify(sig, message, pointBytes, { zip215: true })).toBe(true); // cofactored: accepted
    expect(verifyMessage(-8, pointBytes, message, sig)).toBe(false);
  });
});

describe("public keys offered for enrolment (PROTOCOL §8)", () => {
  it("accepts real keys", () => {
    expect(publicKeyProblem(-7, publicKeyOf(-7, new Uint8Array(32).fill(7)))).toBeNull();
    expect(publicKeyProblem(-8, publicKeyOf(-8, new Uint8Array(32).fill(7)))).toBeNull();
  });

  it("refuses a P-256 point off the curve, a compressed point and a wrong length", () => {
    const pub = publicKeyOf(-7, new Uint8Array(32).fill(7));
    const off = pub.slice();
    off[64] ^= 1;
    expect(publicKeyProblem(-7, off)).toMatch(/not a point on the curve/);
    expect(publicKeyProblem(-7, p256.getPublicKey(new Uint8Array(32).fill(7), true))).toMatch(/65 bytes/);
  });

  it("refuses small-order and mixed-order Ed25519 keys", () => {
    expect(publicKeyProblem(-8, fromHex("0100000000000000000000000000000000000000000000000000000000000000"))).toMatch(/small order/);
    expect(publicKeyProblem(-8, fromHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))).toMatch(/small order/);
    const A = ed25519.Point.fromBytes(publicKeyOf(-8, new Uint8Array(32).fill(7)));
    const T = ed25519.Point.fromBytes(fromHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"));
    expect(publicKeyProblem(-8, A.add(T).toBytes())).toMatch(/mixed order/);
  });

  it("refuses a non-canonical Ed25519 encoding (y ≥ p)", () => {
    // y = p + 1 encodes the identity non-canonically.
    expect(publicKeyProblem(-8, fromHex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))).toMatch(/canonical/);
  });
});

describe("prepared verification keys", () => {
  it("give the same verdicts as raw keys, with and without a precomputed table", async () => {
    const { readFileSync } = await import("node:fs");
    const invalid = JSON.parse(readFileSync(new URL("../vectors/invalid.json", import.meta.url), "utf8")) as { message: string; publicKey: string; alg: string }[];
    const { decodeSign1, sigStructure, prepareVerifyKey } = await import("../../firmware/protocol/index.ts");
    const vectors = JSON.parse(readFileSync(new URL("../vectors/messages.json", import.meta.url), "utf8")) as { message: string; publicKey: string; alg: string }[];
    let checked = 0;
    for (const c of [...vectors, ...invalid]) {
      let m;
      try {
        m = decodeSign1(fromHex(c.message));
      } catch {
        continue;
      }
      const alg = c.alg === "ES256" ? -7 : -8;
      const pub = fromHex(c.publicKey);
      const tbs = sigStructure(m.protectedBytes, m.payloadBytes);
      const raw = verifyMessage(alg, pub, tbs, m.signature);
      for (const window of [0, 4]) expect(verifyMessage(alg, prepareVerifyKey(alg, pub, window), tbs, m.signature)).toBe(raw);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it("refuse a key prepared for the other algorithm", async () => {
    const { prepareVerifyKey } = await import("../../firmware/protocol/index.ts");
    const seed = fromHex(TESTS_SEED);
    const sig = signMessage(-8, seed, utf8Encode("x"));
    expect(verifyMessage(-8, prepareVerifyKey(-8, publicKeyOf(-8, seed), 4), utf8Encode("x"), sig)).toBe(true);
    expect(verifyMessage(-7, prepareVerifyKey(-8, publicKeyOf(-8, seed)), utf8Encode("x"), sig)).toBe(false);
  });
});

const TESTS_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
