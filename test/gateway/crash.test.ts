// A kill -9 of the gateway process in the middle of a stream of QoS 1
// publishes. The devices behave like the firmware: every signed message
// stays in the outbox until its signed ack arrives (a broker PUBACK proves
// nothing once the broker died with the gateway), and the outbox is resent
// in order after reconnecting. After a restart every message must be in the
// log exactly once, and acked with the leaf where it is.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, expect, it } from "vitest";
import { decodeEntry, type Ack } from "../../firmware/protocol/index.ts";
import { SITE, TestDevice, openTestBallot, writeTestConfig } from "./devices.ts";

const repo = resolve(import.meta.dirname, "../..");
const dataDir = mkdtempSync(join(tmpdir(), "signet-crash-"));
const children: ChildProcess[] = [];

interface Running {
  child: ChildProcess;
  http: string;
  mqtt: string;
  gatewayKey: Uint8Array;
}

/** Starts `signet gateway` as a child process and reads its start banner. */
async function startChild(): Promise<Running> {
  const child = spawn(process.execPath, ["bin/signet.js", "gateway", "--data", dataDir, "--http", "0", "--mqtt", "0", "--config", writeTestConfig(dataDir)], {
    cwd: repo,
    env: { ...process.env, SIGNET_SITE: SITE, SIGNET_SCAN_CYCLE_MS: "20" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const banner: Record<string, string> = {};
  for await (const line of createInterface({ input: child.stdout! })) {
    const match = /^\s+(http|mqtt|key)\s+(\S+)/.exec(line);
    if (match) banner[match[1]] = match[2];
    if (line === "ready") break;
  }
  if (!banner.http) throw new Error("the gateway exited before it was ready");
  // <name>+<key ID>+<base64(0x01 ‖ key)>: the base64 part may itself contain "+".
  const keyField = banner.key.split("+").slice(2).join("+");
  return { child, http: banner.http, mqtt: banner.mqtt, gatewayKey: new Uint8Array(Buffer.from(keyField, "base64").subarray(1)) };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
}

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited(child);
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** A device with an outbox: messages leave it only when their signed ack arrives. */
class OutboxDevice extends TestDevice {
  readonly outbox = new Map<number, Uint8Array>();
  readonly sent = new Map<number, Uint8Array>();
  online = false;

  queue(bytes: Uint8Array): void {
    const seq = this.seq;
    this.outbox.set(seq, bytes);
    this.sent.set(seq, bytes);
    void this.answer(seq).then(() => this.outbox.delete(seq));
    if (this.online) this.#send(bytes);
  }

  async reconnect(url: string, gatewayKey: Uint8Array): Promise<void> {
    this.online = false;
    await this.close();
    await this.connect(url, gatewayKey);
    this.client!.once("close", () => (this.online = false));
    this.online = true;
    for (const seq of [...this.outbox.keys()].sort((a, b) => a - b)) this.#send(this.outbox.get(seq)!);
  }

  #send(bytes: Uint8Array): void {
    // Errors (the connection died under us) are fine: the message stays in the outbox.
    this.client?.publish(`signet/v1/${this.site}/${this.id}/vote`, Buffer.from(bytes), { qos: 1 }, () => {});
  }
}

it("kill -9 mid-stream, restart: every message is in the log exactly once and acked", async () => {
  let gateway = await startChild();
  const token = (await import("node:fs")).readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  await openTestBallot({ httpUrl: gateway.http, token });
  const devices = [new OutboxDevice("kiosk-a", -7), new OutboxDevice("kiosk-b", -8), new OutboxDevice("kiosk-c", -7), new OutboxDevice("kiosk-d", -8)];
  for (const d of devices) {
    await d.enrol({ httpUrl: gateway.http, token });
    await d.reconnect(gateway.mqtt, gateway.gatewayKey);
  }

  const PER_DEVICE = 150;
  const acked = () => devices.reduce((n, d) => n + (d.sent.size - d.outbox.size), 0);
  const stream = Promise.all(
    devices.map(async (d) => {
      for (let i = 0; i < PER_DEVICE; i++) {
        d.queue(d.vote(i % 2 ? "yes" : "no"));
        await new Promise((r) => setTimeout(r, 3));
      }
    }),
  );

  // Kill in the middle: some messages acked, more still being produced.
  while (acked() < 60) await new Promise((r) => setTimeout(r, 5));
  gateway.child.kill("SIGKILL");
  await exited(gateway.child);
  const ackedBeforeCrash = acked();
  expect(ackedBeforeCrash).toBeLessThan(devices.length * PER_DEVICE);

  gateway = await startChild();
  for (const d of devices) await d.reconnect(gateway.mqtt, gateway.gatewayKey);
  await stream;
  while (devices.some((d) => d.outbox.size > 0)) await new Promise((r) => setTimeout(r, 20));

  // Read the whole log back over the §7.4 API.
  const size = Number((await (await fetch(`${gateway.http}/log/checkpoint`)).text()).split("\n")[1]);
  const entries: Uint8Array[] = [];
  while (entries.length < size) {
    const page = (await (await fetch(`${gateway.http}/log/entries?start=${entries.length}&end=${size}`)).json()) as { entries: string[] };
    entries.push(...page.entries.map((e) => new Uint8Array(Buffer.from(e, "base64"))));
  }
  const where = new Map<string, number[]>();
  entries.forEach((bytes, leaf) => {
    const entry = decodeEntry(bytes);
    if (entry.k !== "msg") return;
    const key = Buffer.from(entry.cose).toString("hex");
    where.set(key, [...(where.get(key) ?? []), leaf]);
  });
  for (const d of devices) {
    for (const [seq, bytes] of d.sent) {
      const leaves = where.get(Buffer.from(bytes).toString("hex")) ?? [];
      expect(leaves, `${d.id} seq ${seq}`).toHaveLength(1);
      const acks = d.answers.filter((a): a is Ack => a.seq === seq && a.t === "ack");
      expect(acks.length, `${d.id} seq ${seq} acked`).toBeGreaterThan(0);
      for (const ack of acks) expect(ack.leaf).toBe(leaves[0]);
    }
  }
  expect(where.size).toBe(devices.length * PER_DEVICE);

  for (const d of devices) await d.close();
  gateway.child.kill("SIGTERM");
  await exited(gateway.child);
});
