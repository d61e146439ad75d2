// Test devices that behave like the firmware on the wire: a key, a seq
// counter, an MQTT session as client id = user name, and answers read from
// the device's ack topic and checked against the gateway's key.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import {
  decodeSign1,
  deviceTopic,
  parsePayload,
  publicKeyOf,
  signPayload,
  verifySign1,
  type Ack,
  type Alg,
  type DeviceMessage,
  type Nack,
} from "../../firmware/protocol/index.ts";
import { loadConfig, type ConfigFlags, type GatewayConfig } from "../../gateway/config.ts";
import { startGateway, type Gateway, type StartOptions } from "../../gateway/gateway.ts";

export const SITE = "test-site";

/** A gateway on free ports in a temporary data directory; `stop` removes everything. */
export async function testGateway(settings: Record<string, string> = {}, options: StartOptions & { dataDir?: string } = {}): Promise<Gateway & { dataDir: string; token: string; config: GatewayConfig }> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "signet-gw-"));
  const flags: ConfigFlags = { data: dataDir, http: 0, mqtt: 0 };
  const config = loadConfig(flags, { SIGNET_SITE: SITE, SIGNET_SCAN_CYCLE_MS: "20", ...settings });
  const gateway = await startGateway(config, options);
  const stop = gateway.stop;
  return Object.assign(gateway, {
    dataDir,
    token: config.adminTokens[0],
    async stop() {
      await stop();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export type Answer = Ack | Nack;

export class TestDevice {
  readonly id: string;
  readonly alg: Alg;
  readonly privateKey: Uint8Array;
  readonly pub: Uint8Array;
  readonly password = randomBytes(12).toString("base64url");
  readonly site: string;
  seq = 0;
  client: MqttClient | undefined;
  readonly answers: Answer[] = [];
  #waiters: { match: (a: Answer) => boolean; resolve: (a: Answer) => void; reject: (e: Error) => void }[] = [];

  constructor(id: string, alg: Alg, site = SITE) {
    this.id = id;
    this.alg = alg;
    this.site = site;
    this.privateKey = randomBytes(32);
    this.pub = publicKeyOf(alg, this.privateKey);
  }

  /** Enrols through the gateway's admin API. */
  async enrol(gateway: { httpUrl: string; token: string }): Promise<void> {
    const response = await fetch(`${gateway.httpUrl}/admin/devices`, {
      method: "POST",
      headers: { authorization: `Bearer ${gateway.token}`, "content-type": "application/json" },
      body: JSON.stringify({ id: this.id, site: this.site, alg: this.alg === -7 ? "ES256" : "EdDSA", pub: Buffer.from(this.pub).toString("hex"), password: this.password }),
    });
    if (response.status !== 201) throw new Error(`enrolment of ${this.id} refused: ${response.status} ${await response.text()}`);
  }

  /** Connects and subscribes to its ack topic; answers are checked against `gatewayKey` (32-byte Ed25519). */
  async connect(url: string, gatewayKey: Uint8Array): Promise<void> {
    const client = await mqtt.connectAsync(url, { clientId: this.id, username: this.id, password: this.password, reconnectPeriod: 0, clean: true });
    client.on("message", (topic, payload) => {
      if (topic !== deviceTopic(this.site, this.id, "ack")) return;
      let answer: Answer;
      try {
        const message = decodeSign1(payload);
        verifySign1(message, gatewayKey, -8);
        answer = parsePayload(message.payload, ["ack", "nack"]) as Answer;
      } catch (e) {
        // An answer the device cannot trust fails whoever waits, instead of leaving them waiting.
        for (const w of this.#waiters.splice(0)) w.reject(new Error(`${this.id} received an invalid answer: ${(e as Error).message}`));
        return;
      }
      this.answers.push(answer);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.match(answer)) return true;
        w.resolve(answer);
        return false;
      });
    });
    await client.subscribeAsync(deviceTopic(this.site, this.id, "ack"), { qos: 1 });
    this.client = client;
  }

  /** Signs a payload of `t` with the next seq (or the one given). */
  sign(fields: Record<string, unknown> & { t: DeviceMessage["t"] }, seq = ++this.seq): Uint8Array {
    return signPayload(this.alg, this.id, { v: 1, dev: this.id, seq, ts: 1795300000, ...fields } as DeviceMessage, this.privateKey);
  }

  vote(choice = "yes", seq?: number): Uint8Array {
    return this.sign({ t: "vote", ballot: "agm", choice, voter: `voter-${this.seq + 1}`, auth: "pin" }, seq);
  }

  async publish(bytes: Uint8Array, channel: "vote" | "reading" | "status" = "vote", topic = deviceTopic(this.site, this.id, channel)): Promise<void> {
    await this.client!.publishAsync(topic, Buffer.from(bytes), { qos: 1 });
  }

  /** Resolves with the `n`-th answer (ack or nack) the device received for `seq`, counting from 1. */
  answer(seq: number, n = 1): Promise<Answer> {
    const seen = () => this.answers.filter((a) => a.seq === seq);
    if (seen().length >= n) return Promise.resolve(seen()[n - 1]);
    return new Promise((resolve, reject) => this.#waiters.push({ match: () => seen().length >= n, resolve: () => resolve(seen()[n - 1]), reject }));
  }

  async close(): Promise<void> {
    await this.client?.endAsync(true);
    this.client = undefined;
  }
}

export function seqOf(bytes: Uint8Array): number {
  return (parsePayload(decodeSign1(bytes).payload, ["vote", "reading", "status"]) as DeviceMessage).seq;
}
