// PROTOCOL §6 rules 1–7 as the gateway applies them with node:crypto: each
// rule broken alone by one message, and OpenSSL's verdict next to the
// protocol's noble verifier on every signature case we can make.
import { randomBytes } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { describe, expect, it } from "vitest";
import {
  assembleSign1,
  concatBytes,
  decodeSign1,
  deviceTopic,
  encodeCbor,
  protectedHeader,
  publicKeyOf,
  sigStructure,
  signMessage,
  signPayload,
  signSign1,
  utf8Encode,
  verifyMessage,
  type Alg,
  type DeviceMessage,
  type RejectReason,
} from "../../firmware/protocol/index.ts";
import { Verifier, importPublicKey, signatureProblem, type EnrolledDevice } from "../../gateway/verify.ts";

const SITE = "town-hall";
const N = p256.Point.Fn.ORDER;
const L = ed25519.Point.Fn.ORDER;

interface Kiosk {
  device: EnrolledDevice;
  key: Uint8Array;
}

function kiosk(id: string, alg: Alg, rowid: number, status: "active" | "revoked" = "active"): Kiosk {
  const key = randomBytes(32);
  return { key, device: { rowid, id, site: SITE, alg, pub: publicKeyOf(alg, key), status } };
}

const es = kiosk("kiosk-es", -7, 1);
const ed = kiosk("kiosk-ed", -8, 2);
const gone = kiosk("kiosk-gone", -7, 3, "revoked");
const registry = new Map([es, ed, gone].map((k) => [k.device.id, k.device]));
const verifier = new Verifier({ device: (id) => registry.get(id) });

function vote(k: Kiosk, extra: Partial<Record<string, unknown>> = {}): DeviceMessage {
  return { v: 1, t: "vote", dev: k.device.id, seq: 7, ts: 1795300000, ballot: "agm", choice: "yes", voter: "v-1", auth: "pin", ...extra } as DeviceMessage;
}

function verdict(bytes: Uint8Array, topic = deviceTopic(SITE, es.device.id, "vote")): RejectReason | "accepted" {
  const v = verifier.verify(topic, bytes, 1);
  return v.ok ? "accepted" : v.rejection.reason;
}

function bigTo32(n: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(n.toString(16).padStart(64, "0"), "hex"));
}

describe("a message that breaks only one rule is refused with that rule's reason", () => {
  it("a valid ES256 vote and a valid EdDSA vote are accepted", () => {
    expect(verdict(signPayload(-7, es.device.id, vote(es), es.key))).toBe("accepted");
    expect(verdict(signPayload(-8, ed.device.id, vote(ed), ed.key), deviceTopic(SITE, ed.device.id, "vote"))).toBe("accepted");
  });

  it("rule 1: a status over 1024 bytes is too-large", () => {
    const status = { v: 1, t: "status", dev: es.device.id, seq: 7, ts: 0, fw: "x".repeat(1100), up: 1, outbox: 0 } as DeviceMessage;
    expect(verdict(signPayload(-7, es.device.id, status, es.key), deviceTopic(SITE, es.device.id, "status"))).toBe("too-large");
  });

  it("rule 2: a trailing byte after a valid message is malformed", () => {
    expect(verdict(concatBytes(signPayload(-7, es.device.id, vote(es), es.key), new Uint8Array([0])))).toBe("malformed");
  });

  it("rule 3: an extra protected header parameter is bad-header", () => {
    const prot = encodeCbor(new Map<number, Uint8Array | number>([[1, -7], [3, 0], [4, utf8Encode(es.device.id)]]));
    const payload = encodeCbor(vote(es) as never);
    const bytes = assembleSign1(prot, payload, signMessage(-7, es.key, sigStructure(prot, payload)));
    expect(verdict(bytes)).toBe("bad-header");
  });

  it("rule 4: a kid nobody enrolled is unknown-device; a revoked one is revoked", () => {
    const stranger = kiosk("kiosk-99", -7, 99);
    expect(verdict(signPayload(-7, "kiosk-99", vote(stranger), stranger.key), deviceTopic(SITE, "kiosk-99", "vote"))).toBe("unknown-device");
    expect(verdict(signPayload(-7, gone.device.id, vote(gone), gone.key), deviceTopic(SITE, gone.device.id, "vote"))).toBe("revoked");
  });

  it("rule 5: a flipped signature bit, the wrong algorithm, a high-S ES256 signature are bad-signature", () => {
    const good = decodeSign1(signPayload(-7, es.device.id, vote(es), es.key));
    const flipped = Uint8Array.from(good.signature);
    flipped[10] ^= 1;
    expect(verdict(assembleSign1(good.protectedBytes, good.payloadBytes, flipped))).toBe("bad-signature");
    const highS = concatBytes(good.signature.subarray(0, 32), bigTo32(N - BigInt(`0x${Buffer.from(good.signature.subarray(32)).toString("hex")}`)));
    expect(verdict(assembleSign1(good.protectedBytes, good.payloadBytes, highS))).toBe("bad-signature");
    // Signed with EdDSA by a device enrolled with ES256.
    expect(verdict(signPayload(-8, es.device.id, vote(es), randomBytes(32)))).toBe("bad-signature");
  });

  it("rule 6: an unknown payload key is bad-payload", () => {
    const bytes = signSign1(-7, es.device.id, encodeCbor({ ...(vote(es) as object), colour: "red" } as never), es.key);
    expect(verdict(bytes)).toBe("bad-payload");
  });

  it("rule 7: a vote on the reading topic, or dev ≠ kid, is topic-mismatch, answered to the signer", () => {
    const onReading = verifier.verify(deviceTopic(SITE, es.device.id, "reading"), signPayload(-7, es.device.id, vote(es), es.key), 1);
    expect(onReading.ok ? "accepted" : onReading.rejection.reason).toBe("topic-mismatch");
    expect(onReading.ok ? undefined : onReading.rejection.answer).toEqual({ device: es.device, seq: 7 });
    const otherDev = signPayload(-7, es.device.id, vote(es, { dev: ed.device.id }), es.key);
    expect(verdict(otherDev)).toBe("topic-mismatch");
    expect(verdict(signPayload(-7, es.device.id, vote(es), es.key), deviceTopic("other-site", es.device.id, "vote"))).toBe("topic-mismatch");
  });

  it("rules are applied in order: a bad signature on a bad payload is bad-signature", () => {
    const bytes = signSign1(-7, es.device.id, encodeCbor({ v: 9 } as never), randomBytes(32));
    expect(verdict(bytes)).toBe("bad-signature");
  });
});

describe("node:crypto agrees with the protocol's noble verifier on every signature", () => {
  function agree(alg: Alg, pub: Uint8Array, protectedBytes: Uint8Array, payloadBytes: Uint8Array, signature: Uint8Array): boolean {
    const message = decodeSign1(assembleSign1(protectedBytes, payloadBytes, signature));
    const openssl = signatureProblem(message, alg, importPublicKey(alg, pub)) === null;
    const noble = message.alg === alg && verifyMessage(alg, pub, sigStructure(protectedBytes, payloadBytes), signature);
    expect(openssl, `alg ${alg}, signature ${Buffer.from(signature).toString("hex")}`).toBe(noble);
    return noble;
  }

  for (const alg of [-7, -8] as Alg[]) {
    it(`${alg === -7 ? "ES256" : "EdDSA"}: valid, bit flips, random signatures`, () => {
      let accepted = 0;
      let refused = 0;
      for (let i = 0; i < 40; i++) {
        const key = randomBytes(32);
        const pub = publicKeyOf(alg, key);
        const prot = protectedHeader(alg, "kiosk-07");
        const payload = encodeCbor(randomBytes(1 + (i % 50)).toString("hex"));
        const sig = signMessage(alg, key, sigStructure(prot, payload));
        (agree(alg, pub, prot, payload, sig) ? accepted++ : refused++);
        for (const bit of [0, 7, 255, 256, 300, 511]) {
          const flipped = Uint8Array.from(sig);
          flipped[bit >> 3] ^= 1 << (bit & 7);
          (agree(alg, pub, prot, payload, flipped) ? accepted++ : refused++);
        }
        (agree(alg, pub, prot, payload, randomBytes(64)) ? accepted++ : refused++);
        (agree(alg, pub, prot, encodeCbor(`other ${i}`), sig) ? accepted++ : refused++);
      }
      expect(accepted).toBe(40);
      expect(refused).toBe(40 * 8);
    });
  }

  it("ES256 edge signatures: high-S, r = 0, s = 0, r = n, s = n, the wrong algorithm", () => {
    const key = randomBytes(32);
    const pub = publicKeyOf(-7, key);
    const prot = protectedHeader(-7, "kiosk-07");
    const payload = encodeCbor("edge");
    const sig = signMessage(-7, key, sigStructure(prot, payload));
    const r = sig.subarray(0, 32);
    const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString("hex")}`);
    const cases = [
      concatBytes(r, bigTo32(N - s)),
      concatBytes(new Uint8Array(32), sig.subarray(32)),
      concatBytes(r, new Uint8Array(32)),
      concatBytes(bigTo32(N), sig.subarray(32)),
      concatBytes(r, bigTo32(N)),
    ];
    for (const c of cases) expect(agree(-7, pub, prot, payload, c)).toBe(false);
    expect(agree(-7, pub, prot, payload, sig)).toBe(true);
    // The same bytes presented as an EdDSA message to an ES256 device.
    expect(agree(-7, pub, protectedHeader(-8, "kiosk-07"), payload, sig)).toBe(false);
  });

  it("EdDSA edge signatures: S + L (non-canonical S), S = L, small-order R with S = 0", () => {
    const key = randomBytes(32);
    const pub = publicKeyOf(-8, key);
    const prot = protectedHeader(-8, "kiosk-07");
    const payload = encodeCbor("edge");
    const sig = signMessage(-8, key, sigStructure(prot, payload));
    const s = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString("hex")}`);
    const le = (n: bigint) => bigTo32(n).reverse();
    expect(agree(-8, pub, prot, payload, concatBytes(sig.subarray(0, 32), le(s + L)))).toBe(false);
    expect(agree(-8, pub, prot, payload, concatBytes(sig.subarray(0, 32), le(L)))).toBe(false);
    // R = identity (small order), S = 0: verifies only if [k]A is the identity, which it is not for a real key.
    const identity = ed25519.Point.ZERO.toBytes();
    expect(agree(-8, pub, prot, payload, concatBytes(identity, new Uint8Array(32)))).toBe(false);
    // A non-canonical R: the identity's y = 1 encoded as 1 + p.
    const p = 2n ** 255n - 19n;
    expect(agree(-8, pub, prot, payload, concatBytes(le(1n + p), sig.subarray(32)))).toBe(false);
    expect(agree(-8, pub, prot, payload, sig)).toBe(true);
  });
});
