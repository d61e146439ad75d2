// Inputs of the protocol test vectors: fixed keys and one payload of every
// type of PROTOCOL §4. The expected bytes are in messages.json, produced by
// generate.ts and checked three ways by test/protocol/vectors.test.ts.
// No Node APIs here: the XS vector test bundles this file too.
import type { Payload } from "../../firmware/protocol/index";

/** RFC 6979 §A.2.5's P-256 private key, and RFC 8032 §7.1 test 1's Ed25519 seed. */
export const KEYS = {
  ES256: "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721",
  EdDSA: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
} as const;

export const DEVICE = "kiosk-07";
export const GATEWAY = "signet.example.org/town-hall";
export const ADMIN = "admin.example.org/clerk";

const hex = (s: string) => {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
};

export interface VectorInput {
  readonly name: string;
  readonly kid: string;
  readonly payload: Payload;
}

export const VECTOR_INPUTS: readonly VectorInput[] = [
  {
    name: "vote",
    kid: DEVICE,
    payload: { v: 1, t: "vote", dev: DEVICE, seq: 1, ts: 1790000000, ballot: "agm-2026.item-3", choice: "yes", voter: "shareholder-118", auth: "pin+fp" },
  },
  {
    name: "reading",
    kid: DEVICE,
    payload: { v: 1, t: "reading", dev: DEVICE, seq: 2, ts: 1790000060, ch: 0, count: 123456, d: 57, imp: 1000, from: 1790000000, to: 1790000060 },
  },
  { name: "status", kid: DEVICE, payload: { v: 1, t: "status", dev: DEVICE, seq: 3, ts: 1790000120, fw: "signet-0.1.0", up: 86400, outbox: 2, heap: 81234 } },
  { name: "ack", kid: GATEWAY, payload: { v: 1, t: "ack", ts: 1790000001, dev: DEVICE, seq: 1, leaf: 41, size: 42, code: "LH4X-Z7H5" } },
  { name: "nack", kid: GATEWAY, payload: { v: 1, t: "nack", ts: 1790000001, dev: DEVICE, seq: 1, reason: "already-voted" } },
  {
    name: "ballot",
    kid: ADMIN,
    payload: {
      v: 1,
      t: "ballot",
      ts: 1789990000,
      id: "agm-2026.item-3",
      rev: 2,
      title: "Approve the 2026 accounts — €, ü, 日本",
      options: [
        { id: "yes", label: "Yes" },
        { id: "no", label: "No" },
        { id: "abstain", label: "Abstain" },
      ],
      opens: 1790000000,
      closes: 1790003600,
      rule: { kind: "threshold", option: "yes", num: 2, den: 3, base: "cast" },
      quorum: { num: 1, den: 4 },
      roll: "agm-2026",
    },
  },
  {
    name: "config",
    kid: GATEWAY,
    payload: {
      v: 1,
      t: "config",
      ts: 1789900000,
      origin: GATEWAY,
      admins: [{ kid: ADMIN, alg: -8, pub: hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a") }],
    },
  },
  {
    name: "device",
    kid: GATEWAY,
    payload: {
      v: 1,
      t: "device",
      ts: 1789900001,
      dev: DEVICE,
      site: "town-hall",
      alg: -7,
      pub: hex(
        "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299",
      ),
      status: "active",
    },
  },
  {
    name: "roll",
    kid: GATEWAY,
    payload: {
      v: 1,
      t: "roll",
      ts: 1789900002,
      id: "agm-2026",
      rev: 1,
      sha256: hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
      size: 4096,
      voters: 3,
      weight: 1150,
    },
  },
  {
    name: "tally",
    kid: GATEWAY,
    payload: {
      v: 1,
      t: "tally",
      ts: 1790003601,
      ballot: "agm-2026.item-3",
      rev: 2,
      counts: { yes: 1000, no: 100, abstain: 50 },
      turnout: 1150,
      eligible: 1150,
      quorum: "met",
      outcome: "adopted",
      size: 4711,
    },
  },
  {
    name: "rollup",
    kid: GATEWAY,
    payload: { v: 1, t: "rollup", ts: 1790008200, site: "town-hall", from: 1789999200, to: 1790002800, wh: { "kiosk-07": 3420, "meter-01": 12 } },
  },
];
