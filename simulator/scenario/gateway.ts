// The stand-in gateway of a simulator run that has no real one: on the same
// MQTT link as the devices it applies the device-facing rules of PROTOCOL §6
// (signature with the enrolled key, duplicate → the original ack, seq-reused,
// and rule 9 for votes: no-ballot, ballot-closed, bad-choice, not-eligible,
// already-voted), gives each accepted message a leaf in an in-memory log, and
// answers with an ack (receipt code of that entry, §7.5) or a nack signed
// with its own Ed25519 key. It publishes the scenario's ballots, signed by the
// scenario's administrator key, retained, and its own `online` state. Its keys
// come from the scenario's seed, so runs are reproducible. No Node APIs: it
// runs on XS beside the firmware.
import {
  ALG_EDDSA,
  assembleSign1,
  ballotTopic,
  encodePayload,
  protectedHeader,
  sigStructure,
  signMessage,
  verifyMessage,
  decodeSign1,
  deviceTopic,
  encodeEntry,
  gatewayStateTopic,
  leafHash,
  parsePayload,
  parseTopic,
  publicKeyOf,
  receiptCode,
  sha256Digest,
  signPayload,
  toHex,
  utf8Encode,
  ProtocolError,
  type Alg,
  type DeviceMessage,
  type Payload,
  type RejectReason,
} from "../../firmware/protocol/index";

/**
 * The stand-in gateway's signature work: @noble/curves by default (it runs on
 * XS); Node runs pass node:crypto (simulator/runner/node-suite.ts), which
 * gives the same Ed25519 signatures at a fraction of the cost.
 */
export interface SignatureSuite {
  /** Ed25519 signature of `message` with a 32-byte seed. */
  signEd25519(seed: Uint8Array, message: Uint8Array): Uint8Array;
  verify(alg: Alg, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export const NOBLE_SUITE: SignatureSuite = {
  signEd25519: (seed, message) => signMessage(ALG_EDDSA, seed, message),
  verify: (alg, publicKey, message, signature) => verifyMessage(alg, publicKey, message, signature),
};
import type { BallotSpec } from "./spec";

/** What the stand-in gateway needs of the MQTT side: publish as the gateway, and see every device publish. */
export interface GatewayWire {
  publish(topic: string, payload: Uint8Array, retain: boolean): void;
  onPublish?(message: { readonly topic: string; readonly payload: Uint8Array }): void;
}

export interface StandInKeys {
  readonly gatewayKid: string;
  readonly gatewayKey: Uint8Array;
  readonly adminKid: string;
  readonly adminKey: Uint8Array;
}

/** The stand-in gateway's and the administrator's Ed25519 seeds, from the run's seed. */
export function standInKeys(seed: string, site: string): StandInKeys {
  return {
    gatewayKid: `signet.sim/${site}`,
    gatewayKey: sha256Digest(utf8Encode(`${seed}/gateway-key`)),
    adminKid: `admin.sim/${site}`,
    adminKey: sha256Digest(utf8Encode(`${seed}/admin-key`)),
  };
}

/** An administrator's signing key. */
export interface AdminKey {
  readonly alg: Alg;
  readonly kid: string;
  readonly privateKey: Uint8Array;
}

/** A scenario ballot as the administrator signs it (PROTOCOL §4.5): plurality, no quorum. */
export function signBallot(ballot: BallotSpec, start: number, keys: StandInKeys | AdminKey, ts: number): Uint8Array {
  const admin: AdminKey = "privateKey" in keys ? keys : { alg: ALG_EDDSA, kid: keys.adminKid, privateKey: keys.adminKey };
  return signPayload(
    admin.alg,
    admin.kid,
    {
      v: 1,
      t: "ballot",
      ts,
      id: ballot.id,
      rev: ballot.rev,
      title: ballot.title,
      options: ballot.options.map((o) => ({ id: o.id, label: o.label })),
      opens: start + ballot.opens,
      closes: start + ballot.closes,
      rule: { kind: "plurality" },
      quorum: { num: 0, den: 1 },
      roll: ballot.roll,
    },
    admin.privateKey,
  );
}

/** A three-option ballot (yes, no, abstain) open from a minute before the start for a week: the fleet's and the panel's. */
export function weekLongBallot(id: string, title: string, roll: string): BallotSpec {
  return {
    id,
    rev: 1,
    title,
    options: [
      { id: "yes", label: "Yes" },
      { id: "no", label: "No" },
      { id: "abstain", label: "Abstain" },
    ],
    opens: -60,
    closes: 7 * 86400,
    roll,
    line: 0,
  };
}

export interface Committed {
  readonly leaf: number;
  readonly code: string;
  readonly dev: string;
  readonly seq: number;
  readonly payload: DeviceMessage;
}

export class StandInGateway {
  readonly keys: StandInKeys;
  readonly site: string;
  readonly #wire: GatewayWire;
  readonly #now: () => number;
  readonly #suite: SignatureSuite;
  readonly #devices = new Map<string, { alg: Alg; pub: Uint8Array }>();
  readonly #ballots = new Map<string, BallotSpec & { opensAt: number; closesAt: number }>();
  readonly #byBytes = new Map<string, Committed>();
  readonly #bySeq = new Map<string, Committed>();
  readonly #voted = new Set<string>();
  /** Accepted messages in log order (leaf 0 is the log's config record, as on a real gateway). */
  readonly log: Committed[] = [];
  readonly rejected: { dev: string; reason: RejectReason | string }[] = [];
  #online = true;

  /** `now` gives the gateway's clock in Unix milliseconds. */
  constructor(wire: GatewayWire, site: string, keys: StandInKeys, now: () => number, suite: SignatureSuite = NOBLE_SUITE) {
    this.#wire = wire;
    this.#suite = suite;
    this.site = site;
    this.keys = keys;
    this.#now = now;
    wire.onPublish = (m) => this.#receive(m.topic, m.payload);
  }

  get publicKeyHex(): string {
    return toHex(publicKeyOf(ALG_EDDSA, this.keys.gatewayKey));
  }

  get adminPublicKeyHex(): string {
    return toHex(publicKeyOf(ALG_EDDSA, this.keys.adminKey));
  }

  get online(): boolean {
    return this.#online;
  }

  enroll(dev: string, alg: Alg, pub: Uint8Array): void {
    this.#devices.set(dev, { alg, pub });
  }

  /** Publishes the retained state topic: devices flush their outboxes only while it says online. */
  setOnline(online: boolean): void {
    this.#online = online;
    this.#wire.publish(gatewayStateTopic(this.site), utf8Encode(online ? "online" : "offline"), true);
  }

  /** Signs `ballot` with the administrator key (ts = now) and publishes it retained; windows are Unix seconds from `start`. */
  publishBallot(ballot: BallotSpec, start: number): Uint8Array {
    this.#ballots.set(ballot.id, { ...ballot, opensAt: start + ballot.opens, closesAt: start + ballot.closes });
    const bytes = signBallot(ballot, start, this.keys, Math.floor(this.#now() / 1000));
    this.#wire.publish(ballotTopic(this.site, ballot.id), bytes, true);
    return bytes;
  }

  #receive(topic: string, bytes: Uint8Array): void {
    const parsed = parseTopic(topic);
    if (!parsed || parsed.kind !== "device" || parsed.site !== this.site) return;
    if (parsed.channel !== "vote" && parsed.channel !== "reading" && parsed.channel !== "status") return;
    const device = this.#devices.get(parsed.dev);
    if (!device) return void this.rejected.push({ dev: parsed.dev, reason: "unknown-device" });
    let payload: DeviceMessage;
    try {
      const message = decodeSign1(bytes, 1024);
      if (message.alg !== device.alg || message.signature.length !== 64 || !this.#suite.verify(device.alg, device.pub, sigStructure(message.protectedBytes, message.payloadBytes), message.signature))
        throw new ProtocolError("bad-signature", "the signature does not verify with the enrolled key");
      payload = parsePayload(message.payload, ["vote", "reading", "status"]);
      if (decodeSign1(bytes).kid !== parsed.dev || payload.dev !== parsed.dev || payload.t !== parsed.channel) throw new ProtocolError("topic-mismatch", "topic, kid and payload disagree");
    } catch (e) {
      // A device of ours never sends these; they are kept, not answered, as rules 1–6 are.
      this.rejected.push({ dev: parsed.dev, reason: e instanceof ProtocolError ? e.reason : "malformed" });
      return;
    }
    if (payload.t === "status") return; // accepted for device health, never committed, never acked
    const hex = toHex(bytes);
    const again = this.#byBytes.get(hex);
    if (again) return this.#ack(again);
    const seqKey = `${payload.dev}/${payload.seq}`;
    if (this.#bySeq.has(seqKey)) return this.#refuse(payload, "seq-reused");
    if (payload.t === "vote") {
      const ballot = this.#ballots.get(payload.ballot);
      const nowSeconds = Math.floor(this.#now() / 1000);
      if (!ballot) return this.#refuse(payload, "no-ballot");
      if (nowSeconds < ballot.opensAt || nowSeconds >= ballot.closesAt) return this.#refuse(payload, "ballot-closed");
      if (!ballot.options.some((o) => o.id === payload.choice)) return this.#refuse(payload, "bad-choice");
      if (ballot.eligible && !ballot.eligible.includes(payload.voter)) return this.#refuse(payload, "not-eligible");
      const voterKey = `${payload.ballot}/${payload.voter}`;
      if (this.#voted.has(voterKey)) return this.#refuse(payload, "already-voted");
      this.#voted.add(voterKey);
    }
    const leaf = this.log.length + 1;
    const committed: Committed = { leaf, code: receiptCode(leafHash(encodeEntry({ at: this.#now(), k: "msg", cose: bytes }))), dev: payload.dev, seq: payload.seq, payload };
    this.log.push(committed);
    this.#byBytes.set(hex, committed);
    this.#bySeq.set(seqKey, committed);
    this.#ack(committed);
  }

  #refuse(payload: DeviceMessage, reason: RejectReason): void {
    this.rejected.push({ dev: payload.dev, reason });
    this.#nack(payload.dev, payload.seq, reason);
  }

  #ack(c: Committed): void {
    const ts = Math.floor(this.#now() / 1000);
    this.#answer(c.dev, { v: 1, t: "ack", ts, dev: c.dev, seq: c.seq, leaf: c.leaf, size: this.log.length + 1, code: c.code });
  }

  #nack(dev: string, seq: number, reason: RejectReason): void {
    const ts = Math.floor(this.#now() / 1000);
    this.#answer(dev, { v: 1, t: "nack", ts, dev, seq, reason });
  }

  #answer(dev: string, payload: Payload): void {
    const prot = protectedHeader(ALG_EDDSA, this.keys.gatewayKid);
    const body = encodePayload(payload);
    const signature = this.#suite.signEd25519(this.keys.gatewayKey, sigStructure(prot, body));
    this.#wire.publish(deviceTopic(this.site, dev, "ack"), assembleSign1(prot, body, signature), false);
  }
}
