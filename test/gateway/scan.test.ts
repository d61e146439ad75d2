// The scan cycle without a network: a fake broker link records what the
// gateway publishes, a held-back crypto thread lets the test decide when a
// signature verdict arrives, and each cycle is run by hand.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { decodeEntry, decodeSign1, deviceTopic, parsePayload, publicKeyOf, signPayload, verifySign1, type Ack, type Nack } from "../../firmware/protocol/index.ts";
import type { BrokerLink } from "../../gateway/broker/link.ts";
import { ConfigRecords } from "../../gateway/config-record.ts";
import type { CryptoPool } from "../../gateway/crypto-pool.ts";
import { HealthBoard } from "../../gateway/health.ts";
import { Ingest } from "../../gateway/ingest.ts";
import { gatewayKeyFromSeed } from "../../gateway/key.ts";
import { Ledger } from "../../gateway/ledger/ledger.ts";
import { openDatabase, type Db } from "../../gateway/ledger/store.ts";
import { GatewayMetrics } from "../../gateway/metrics.ts";
import { Registry } from "../../gateway/registry.ts";
import { RejectStore } from "../../gateway/rejects.ts";
import { ScanCycle } from "../../gateway/scan.ts";
import { Verifier, type SignatureWork } from "../../gateway/verify.ts";

const SITE = "hall";
let dir: string;
let db: Db;
let parts: ReturnType<typeof assemble>;

/** A crypto pool whose verdicts the test releases when it wants. */
class HeldPool {
  readonly held: { work: SignatureWork; done: (problem: string | null) => void }[] = [];
  constructor(readonly verifier: Verifier) {}
  verify(work: SignatureWork, done: (problem: string | null) => void): void {
    this.held.push({ work, done });
  }
  release(): void {
    for (const { work, done } of this.held.splice(0)) done(this.verifier.checkLocally(work));
  }
}

function assemble() {
  const key = gatewayKeyFromSeed("gw.example.org/hall", randomBytes(32));
  const ledger = Ledger.open(db, key);
  new ConfigRecords(db).ensure(ledger, key, [], Date.now());
  const metrics = new GatewayMetrics();
  const rejects = new RejectStore(db);
  const health = new HealthBoard(db);
  const registry = new Registry(db, { site: SITE, key, reservedNames: () => [key.name] });
  const verifier = new Verifier(registry);
  const pool = new HeldPool(verifier);
  const ingest = new Ingest({ verifier, devices: registry, rejects, health, metrics, pool: pool as unknown as CryptoPool });
  const published: { topic: string; payload: Uint8Array }[] = [];
  const link: BrokerLink = {
    url: "mqtt://test",
    subscribe: async () => {},
    publish: async (topic, payload) => void published.push({ topic, payload: typeof payload === "string" ? new TextEncoder().encode(payload) : payload }),
    close: async () => {},
  };
  const scan = new ScanCycle({ db, ledger, key, ingest, devices: registry, link, rejects, health, metrics, periodMs: 60_000, lastAt: Date.now() });
  registry.attach((kind, cose, apply) => scan.commitRecord(kind, cose, apply));
  scan.start();
  return { key, ledger, rejects, registry, pool, ingest, scan, published };
}

/** Runs cycles until `promise` settles (a record waits for the next cycle). */
async function cycleUntil<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  void promise.finally(() => (settled = true)).catch(() => {});
  while (!settled) {
    parts.scan.runOnce();
    await new Promise((r) => setTimeout(r, 5));
  }
  return promise;
}

function answers(): (Ack | Nack)[] {
  return parts.published.map((p) => {
    const message = decodeSign1(p.payload);
    verifySign1(message, parts.key.publicKey, -8);
    return parsePayload(message.payload, ["ack", "nack"]) as Ack | Nack;
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "signet-scan-"));
  db = openDatabase(join(dir, "gateway.db"));
  parts = assemble();
});

afterEach(() => {
  parts.scan.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it("a vote whose signature was checked before its device's revocation committed is refused after it, never logged behind the revoked record", async () => {
  const secret = randomBytes(32);
  await cycleUntil(parts.registry.enroll({ id: "kiosk-1", site: SITE, alg: "EdDSA", pub: publicKeyOf(-8, secret), password: "a-long-password" }));
  const vote = signPayload(-8, "kiosk-1", { v: 1, t: "vote", dev: "kiosk-1", seq: 1, ts: 1, ballot: "agm", choice: "yes", voter: "v-1", auth: "pin" }, secret);
  parts.ingest.receive(deviceTopic(SITE, "kiosk-1", "vote"), vote);
  expect(parts.pool.held).toHaveLength(1);
  // The revocation commits while the signature is still on its thread.
  const revoked = await cycleUntil(parts.registry.revoke("kiosk-1"));
  parts.pool.release();
  const size = parts.ledger.size;
  parts.scan.runOnce();
  expect(parts.ledger.size).toBe(size);
  expect(parts.rejects.counts().revoked).toBe(1);
  expect(decodeEntry(parts.ledger.entry(revoked.leaf)).k).toBe("device");
  expect(answers()).toEqual([]);
});

it("a vote verified before the revocation was requested is committed ahead of the revoked record, and acked", async () => {
  const secret = randomBytes(32);
  await cycleUntil(parts.registry.enroll({ id: "kiosk-2", site: SITE, alg: "ES256", pub: publicKeyOf(-7, secret), password: "a-long-password" }));
  const vote = signPayload(-7, "kiosk-2", { v: 1, t: "vote", dev: "kiosk-2", seq: 1, ts: 1, ballot: "agm", choice: "no", voter: "v-2", auth: "fp" }, secret);
  parts.ingest.receive(deviceTopic(SITE, "kiosk-2", "vote"), vote);
  parts.pool.release();
  const revoked = await cycleUntil(parts.registry.revoke("kiosk-2"));
  await parts.scan.answered();
  const [ack] = answers();
  expect(ack).toMatchObject({ t: "ack", dev: "kiosk-2", seq: 1 });
  expect((ack as Ack).leaf).toBeLessThan(revoked.leaf);
  expect(Buffer.from(decodeEntry(parts.ledger.entry((ack as Ack).leaf)).cose).equals(Buffer.from(vote))).toBe(true);
});
