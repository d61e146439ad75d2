// The gateway end to end, over MQTT: devices that sign like the firmware,
// the embedded broker, the scan cycle and the log.
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeEntry,
  deviceTopic,
  encodeEntry,
  leafHash,
  receiptCode,
  signPayload,
  type DeviceMessage,
  type RejectReason,
} from "../../firmware/protocol/index.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { SITE, TestDevice, testGateway } from "./devices.ts";

let gateway: Awaited<ReturnType<typeof testGateway>>;
const kioskEs = new TestDevice("kiosk-es", -7);
const kioskEd = new TestDevice("kiosk-ed", -8);

async function until<T>(probe: () => T | undefined | false): Promise<T> {
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
}

function rejectCount(g: Gateway, reason: RejectReason): number {
  return g.rejects.counts()[reason];
}

beforeAll(async () => {
  gateway = await testGateway();
  for (const d of [kioskEs, kioskEd]) {
    await d.enrol(gateway);
    await d.connect(gateway.mqttUrl, gateway.key.publicKey);
  }
});

afterAll(async () => {
  await kioskEs.close();
  await kioskEd.close();
  await gateway.stop();
});

describe("a device's signed vote becomes a log entry and an ack", () => {
  for (const device of [kioskEs, kioskEd]) {
    it(`${device.alg === -7 ? "ES256" : "EdDSA"}: acked with the leaf, a checkpoint size that includes it, and the receipt code`, async () => {
      const bytes = device.vote("yes");
      await device.publish(bytes);
      const ack = await device.answer(device.seq);
      expect(ack.t).toBe("ack");
      if (ack.t !== "ack") return;
      const entry = decodeEntry(gateway.ledger.entry(ack.leaf));
      expect(entry.k).toBe("msg");
      expect(Buffer.from(entry.cose).equals(Buffer.from(bytes))).toBe(true);
      expect(ack.size).toBeGreaterThan(ack.leaf);
      expect(gateway.ledger.latest()!.size).toBeGreaterThanOrEqual(ack.size);
      expect(ack.code).toBe(receiptCode(leafHash(encodeEntry(entry))));
      expect(gateway.ledger.findByReceipt(ack.code)).toContain(ack.leaf);
    });
  }
});

describe("rule 8", () => {
  it("a duplicate is acked again with the original leaf and code, and not committed again", async () => {
    const bytes = kioskEs.vote("no");
    const seq = kioskEs.seq;
    await kioskEs.publish(bytes);
    const first = await kioskEs.answer(seq);
    const size = gateway.ledger.size;
    const duplicates = rejectCount(gateway, "duplicate");
    await kioskEs.publish(bytes);
    const second = await kioskEs.answer(seq, 2);
    expect(second.t).toBe("ack");
    if (first.t !== "ack" || second.t !== "ack") return;
    expect(second.leaf).toBe(first.leaf);
    expect(second.code).toBe(first.code);
    expect(gateway.ledger.size).toBe(size);
    await until(() => rejectCount(gateway, "duplicate") === duplicates + 1);
  });

  it("two copies in the same scan cycle make one entry and two acks", async () => {
    const bytes = kioskEd.vote("yes");
    const seq = kioskEd.seq;
    const size = gateway.ledger.size;
    await Promise.all([kioskEd.publish(bytes), kioskEd.publish(bytes)]);
    const [a, b] = [await kioskEd.answer(seq, 1), await kioskEd.answer(seq, 2)];
    expect(a).toMatchObject({ t: "ack" });
    expect(b).toMatchObject({ t: "ack", leaf: (a as { leaf: number }).leaf });
    await until(() => gateway.ledger.size > size);
    const entries = gateway.ledger.entries(size, gateway.ledger.size).map((e) => Buffer.from(decodeEntry(e).cose));
    expect(entries.filter((e) => e.equals(Buffer.from(bytes)))).toHaveLength(1);
  });

  it("another message with a committed seq is nacked seq-reused", async () => {
    await kioskEs.publish(kioskEs.vote("yes"));
    const seq = kioskEs.seq;
    await kioskEs.answer(seq);
    await kioskEs.publish(kioskEs.vote("abstain", seq));
    expect(await kioskEs.answer(seq, 2)).toMatchObject({ t: "nack", reason: "seq-reused" });
  });

  it("a late message below the device's highest seq is accepted", async () => {
    kioskEs.seq += 10;
    await kioskEs.publish(kioskEs.vote("yes"));
    const high = kioskEs.seq;
    expect(await kioskEs.answer(high)).toMatchObject({ t: "ack" });
    const late = kioskEs.vote("no", high - 5);
    await kioskEs.publish(late);
    const ack = await kioskEs.answer(high - 5);
    expect(ack).toMatchObject({ t: "ack" });
    if (ack.t === "ack") expect(ack.leaf).toBeGreaterThan((kioskEs.answers.find((a) => a.seq === high) as { leaf: number }).leaf);
  });
});

describe("rejections", () => {
  it("a vote published on the reading topic is nacked topic-mismatch on the signer's ack topic", async () => {
    await kioskEd.publish(kioskEd.vote("yes"), "reading");
    expect(await kioskEd.answer(kioskEd.seq)).toMatchObject({ t: "nack", reason: "topic-mismatch", dev: kioskEd.id });
  });

  it("a message with a bad signature gets no answer, is counted, and never reaches the log", async () => {
    const before = rejectCount(gateway, "bad-signature");
    const size = gateway.ledger.size;
    const bytes = Uint8Array.from(kioskEs.vote("yes"));
    bytes[bytes.length - 1] ^= 1;
    await kioskEs.publish(bytes);
    await until(() => rejectCount(gateway, "bad-signature") === before + 1);
    await gateway.scan.nextCycle();
    expect(kioskEs.answers.some((a) => a.seq === kioskEs.seq)).toBe(false);
    expect(gateway.ledger.size).toBe(size);
    const stored = gateway.rejects.recent(1)[0];
    expect(stored).toMatchObject({ reason: "bad-signature", topic: deviceTopic(SITE, kioskEs.id, "vote"), size: bytes.length });
    expect(Buffer.from(stored.head).equals(Buffer.from(bytes.subarray(0, stored.head.length)))).toBe(true);
  });

  it("a status updates the device's health and is not committed", async () => {
    const size = gateway.ledger.size;
    const status = signPayload(-7, kioskEs.id, { v: 1, t: "status", dev: kioskEs.id, seq: ++kioskEs.seq, ts: 0, fw: "1.2.3", up: 60, outbox: 2 } as DeviceMessage, kioskEs.privateKey);
    await kioskEs.publish(status, "status");
    await until(() => gateway.health.get(kioskEs.id)?.status?.seq === kioskEs.seq);
    expect(gateway.health.get(kioskEs.id)?.status).toMatchObject({ fw: "1.2.3", up: 60, outbox: 2 });
    await gateway.scan.nextCycle();
    expect(gateway.ledger.size).toBe(size);
  });
});

describe("the log", () => {
  it("starts with the config record and carries each enrolment as a device record", () => {
    expect(decodeEntry(gateway.ledger.entry(0)).k).toBe("config");
    // The test ballot's roll and ballot come first (test/gateway/devices.ts), then the enrolments.
    const kinds = gateway.ledger.entries(0, 5).map((e) => decodeEntry(e).k);
    expect(kinds).toEqual(["config", "roll", "ballot", "device", "device"]);
    // The gateway's own retained _gateway/state matches the uplink filter +/state; it must not count as a reject.
    expect(gateway.rejects.counts().malformed).toBe(0);
  });

  it("lives in a database only the gateway's user can read (it holds the devices' password hashes)", () => {
    for (const file of ["gateway.db", "gateway.db-wal", "gateway.db-shm"]) expect(statSync(join(gateway.dataDir, file)).mode & 0o777).toBe(0o600);
  });

  it("is served over HTTP: the verifier key and the latest checkpoint", async () => {
    expect(await (await fetch(`${gateway.httpUrl}/log/key`)).text()).toBe(`${gateway.key.verifierKey}\n`);
    const note = await (await fetch(`${gateway.httpUrl}/log/checkpoint`)).text();
    expect(note.split("\n").slice(0, 2)).toEqual([gateway.key.name, String(gateway.ledger.latest()!.size)]);
  });
});
