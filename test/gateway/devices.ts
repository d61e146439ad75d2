// Test devices that behave like the firmware on the wire: a key, a seq
// counter, an MQTT session as client id = user name, and answers read from
// the device's ack topic and checked against the gateway's key.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import {
  decodeSign1,
  deviceTopic,
  parsePayload,
  publicKeyOf,
  signPayload,
  toHex,
  verifySign1,
  type Ack,
  type Alg,
  type DeviceMessage,
  type Nack,
} from "../../firmware/protocol/index.ts";
import { loadConfig, type ConfigFlags, type GatewayConfig } from "../../gateway/config.ts";
import { startGateway, type Gateway, type StartOptions } from "../../gateway/gateway.ts";

export const SITE = "test-site";

// Rule 9 needs a committed ballot: the test gateways have an administrator
// key, a roll "agm" of voter-1 … voter-20000 and an open ballot "agm" (yes, no, abstain).
const TEST_ADMIN_SEED = new Uint8Array(32).fill(7);
export const TEST_ADMIN = { kid: "admin.test/agm", alg: -8 as Alg, privateKey: TEST_ADMIN_SEED, pub: publicKeyOf(-8, TEST_ADMIN_SEED) };

/** Writes a configuration file listing TEST_ADMIN (for gateways started from the command line). */
export function writeTestConfig(dataDir: string): string {
  const file = join(dataDir, "test-gateway.json");
  writeFileSync(file, JSON.stringify({ admins: [{ kid: TEST_ADMIN.kid, alg: "EdDSA", pub: toHex(TEST_ADMIN.pub) }] }));
  return file;
}

/** Imports the roll and opens ballot "agm" through the admin API, open from a minute ago for a day. */
export async function openTestBallot(gateway: { httpUrl: string; token: string }): Promise<void> {
  const voters = Array.from({ length: 20_000 }, (_, i) => `voter-${i + 1}`).sort();
  const headers = { authorization: `Bearer ${gateway.token}` };
  const roll = await fetch(`${gateway.httpUrl}/admin/rolls/agm`, { method: "POST", headers: { ...headers, "content-type": "text/csv" }, body: `voter,weight\n${voters.map((v) => `${v},1\n`).join("")}` });
  if (roll.status >= 300) throw new Error(`roll refused: ${await roll.text()}`);
  const now = Math.floor(Date.now() / 1000);
  const cose = signPayload(-8, TEST_ADMIN.kid, {
    v: 1, t: "ballot", ts: now, id: "agm", rev: 1, title: "AGM", roll: "agm", opens: now - 60, closes: now + 86400,
    options: [{ id: "yes", label: "Yes" }, { id: "no", label: "No" }, { id: "abstain", label: "Abstain" }], rule: { kind: "plurality" }, quorum: { num: 0, den: 1 },
  }, TEST_ADMIN.privateKey);
  const ballot = await fetch(`${gateway.httpUrl}/admin/ballots`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify({ cose: Buffer.from(cose).toString("base64") }) });
  if (ballot.status !== 201) throw new Error(`ballot refused: ${await ballot.text()}`);
}

/** A gateway on free ports in a temporary data directory; `stop` removes everything. */
export async function testGateway(settings: Record<string, string> = {}, options: StartOptions & { dataDir?: string } = {}): Promise<Gateway & { dataDir: string; token: string; config: GatewayConfig }> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "signet-gw-"));
  const flags: ConfigFlags = { data: dataDir, http: 0, mqtt: 0, config: writeTestConfig(dataDir) };
  const config = loadConfig(flags, { SIGNET_SITE: SITE, SIGNET_SCAN_CYCLE_MS: "20", ...settings });
  const gateway = await startGateway(config, options);
  await openTestBallot({ httpUrl: gateway.httpUrl, token: config.adminTokens[0] });
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

let votersSigned = 0;

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
    // Voters are unique across the test's devices, so rule 9's already-voted never fires by accident.
    return this.sign({ t: "vote", ballot: "agm", choice, voter: `voter-${++votersSigned}`, auth: "pin" }, seq);
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
