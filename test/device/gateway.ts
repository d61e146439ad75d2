// A stand-in for the site gateway in device tests: on the in-process link it
// verifies each device message with the device's public key, answers with an
// ack (receipt code from the ledger entry it would commit) or a nack signed
// with the test gateway key, and publishes signed ballots and its retained
// state. No Node APIs, so the XS device scenarios use it too.
import {
  ALG_EDDSA,
  ballotTopic,
  decodeSign1,
  deviceTopic,
  encodeEntry,
  gatewayStateTopic,
  leafHash,
  openMessage,
  parsePayload,
  parseTopic,
  publicKeyOf,
  receiptCode,
  signPayload,
  toHex,
  utf8Encode,
  type Alg,
  type Ballot,
  type DeviceMessage,
  type RejectReason,
} from "../../firmware/protocol/index";
import type { LinkBroker, LinkMessage } from "../../simulator/services/mqtt-link";

export const SITE = "town-hall";
export const GATEWAY_KID = "signet.example.org/town-hall";
export const GATEWAY_KEY = seed32(1);
export const ADMIN_KID = "admin.example.org";
export const ADMIN_KEY = seed32(2);
/** A key no device trusts (for ballots with a bad signature). */
export const ROGUE_KEY = seed32(3);
/** 2026-11-22 00:00:00 UTC: the world's time at virtual time 0. */
export const WORLD_EPOCH = 1_795_305_600;

export function seed32(n: number): Uint8Array {
  const key = new Uint8Array(32);
  key.fill(n);
  key[0] = 0x5e;
  return key;
}

export const GATEWAY_PUB_HEX = toHex(publicKeyOf(ALG_EDDSA, GATEWAY_KEY));
export const ADMIN_PUB_HEX = toHex(publicKeyOf(ALG_EDDSA, ADMIN_KEY));

export interface Received {
  readonly topic: string;
  readonly bytes: Uint8Array;
  readonly payload: DeviceMessage;
  readonly at: number;
}

export class TestGateway {
  readonly broker: LinkBroker;
  readonly received: Received[] = [];
  readonly rejected: { topic: string; reason: string }[] = [];
  /** Device public keys by device id (the registry). */
  readonly devices = new Map<string, { alg: Alg; pub: Uint8Array }>();
  /** Answers to give instead of an ack, by seq (or for every vote with -1). */
  readonly nacks = new Map<number, RejectReason>();
  /** While false, the gateway receives but does not answer (a slow scan cycle). */
  answering = true;
  /** When false, answers without checking signatures (benchmarks that measure the device alone). */
  verifying = true;
  /** When false, received messages are answered but not kept (long runs). */
  keeping = true;
  #leaf = 0;
  #committed = new Map<string, { leaf: number; code: string }>();
  now: () => number;

  constructor(broker: LinkBroker, now: () => number) {
    this.broker = broker;
    this.now = now;
    broker.onPublish = (m) => this.#receive(m);
  }

  register(dev: string, alg: Alg, pub: Uint8Array): void {
    this.devices.set(dev, { alg, pub });
  }

  setOnline(online: boolean): void {
    this.broker.publish(gatewayStateTopic(SITE), utf8Encode(online ? "online" : "offline"), true);
  }

  /** Publishes a ballot retained, signed by the administrator (or by `key`). */
  publishBallot(ballot: Omit<Ballot, "v" | "t" | "ts">, key = ADMIN_KEY, kid = ADMIN_KID): Uint8Array {
    const bytes = signPayload(ALG_EDDSA, kid, { v: 1, t: "ballot", ts: Math.floor(this.now() / 1000), ...ballot }, key);
    this.broker.publish(ballotTopic(SITE, ballot.id), bytes, true);
    return bytes;
  }

  /** Device messages of one type, in arrival order. */
  messages<T extends DeviceMessage["t"]>(t: T): (Received & { payload: Extract<DeviceMessage, { t: T }> })[] {
    return this.received.filter((r) => r.payload.t === t) as (Received & { payload: Extract<DeviceMessage, { t: T }> })[];
  }

  #receive(m: LinkMessage): void {
    const topic = parseTopic(m.topic);
    if (!topic || topic.kind !== "device" || topic.channel === "state" || topic.channel === "ack") return;
    const device = this.devices.get(topic.dev);
    if (!device) return void this.rejected.push({ topic: m.topic, reason: "unknown-device" });
    let payload: DeviceMessage;
    try {
      payload = this.verifying
        ? openMessage(m.payload, { publicKey: device.pub, alg: device.alg, maxSize: 1024, allowed: ["vote", "reading", "status"] }).payload
        : parsePayload(decodeSign1(m.payload).payload, ["vote", "reading", "status"]);
    } catch (e) {
      return void this.rejected.push({ topic: m.topic, reason: (e as { reason?: string }).reason ?? String(e) });
    }
    if (this.keeping) this.received.push({ topic: m.topic, bytes: m.payload, payload, at: m.at });
    if (!this.answering || payload.t === "status") return;
    const dev = payload.dev;
    const reason = this.nacks.get(payload.seq) ?? (payload.t === "vote" ? this.nacks.get(-1) : undefined);
    const ts = Math.floor(this.now() / 1000);
    if (reason) {
      const nack = signPayload(ALG_EDDSA, GATEWAY_KID, { v: 1, t: "nack", ts, dev, seq: payload.seq, reason }, GATEWAY_KEY);
      return this.broker.publish(deviceTopic(SITE, dev, "ack"), nack);
    }
    const hex = toHex(m.payload);
    let entry = this.#committed.get(hex);
    if (!entry) {
      const leaf = this.#leaf++;
      entry = { leaf, code: receiptCode(leafHash(encodeEntry({ at: this.now(), k: "msg", cose: m.payload }))) };
      if (this.keeping) this.#committed.set(hex, entry);
    }
    const ack = signPayload(ALG_EDDSA, GATEWAY_KID, { v: 1, t: "ack", ts, dev, seq: payload.seq, leaf: entry.leaf, size: this.#leaf, code: entry.code }, GATEWAY_KEY);
    this.broker.publish(deviceTopic(SITE, dev, "ack"), ack);
  }

  /** How many distinct messages (by bytes) were committed. */
  get committed(): number {
    return this.#committed.size;
  }
}

