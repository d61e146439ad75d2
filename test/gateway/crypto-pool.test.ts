// The crypto threads give the verdicts and signatures the event loop would:
// every message checked on a thread gets the same rule-5 answer as on the
// event loop, and answers signed on a thread verify with the gateway key.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { deviceTopic, publicKeyOf, signPayload, verifyMessage, type Alg } from "../../firmware/protocol/index.ts";
import { CryptoPool } from "../../gateway/crypto-pool.ts";
import { loadOrCreateGatewayKey } from "../../gateway/key.ts";
import { Verifier, type EnrolledDevice, type SignatureWork } from "../../gateway/verify.ts";

const dataDir = mkdtempSync(join(tmpdir(), "signet-pool-"));
const key = loadOrCreateGatewayKey(dataDir, "gw.example.org/hall");
const devices = new Map<string, EnrolledDevice & { secret: Uint8Array }>();
for (const [i, alg] of ([-7, -8, -7, -8] as Alg[]).entries()) {
  const secret = randomBytes(32);
  devices.set(`kiosk-${i}`, { rowid: i + 1, id: `kiosk-${i}`, site: "hall", alg, pub: publicKeyOf(alg, secret), status: "active", secret });
}
const verifier = new Verifier({ device: (id) => devices.get(id) });
const pool = new CryptoPool(2, { verify: (w) => verifier.checkLocally(w), sign: (m) => key.sign(m) }, { signer: { dataDir, name: key.name } });

afterAll(async () => {
  await pool.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it("signature verdicts on threads equal the event loop's, good and bad, for both algorithms", async () => {
  const works: SignatureWork[] = [];
  for (const d of devices.values()) {
    for (let seq = 1; seq <= 25; seq++) {
      const bytes = signPayload(d.alg, d.id, { v: 1, t: "vote", dev: d.id, seq, ts: 1, ballot: "agm", choice: "yes", voter: "v-1", auth: "pin" }, d.secret);
      if (seq % 3 === 0) bytes[bytes.length - 1 - (seq % 40)] ^= 0x10;
      const work = verifier.precheck(deviceTopic("hall", d.id, "vote"), bytes, 0);
      if ("rejection" in work) throw new Error(work.rejection.detail);
      works.push(work);
    }
  }
  expect(pool.threads).toBe(2);
  const onThreads = await Promise.all(works.map((w) => new Promise<string | null>((resolve) => pool.verify(w, resolve))));
  const onLoop = works.map((w) => verifier.checkLocally(w));
  expect(onThreads).toEqual(onLoop);
  expect(onLoop.filter((p) => p === null).length).toBeGreaterThan(0);
  expect(onLoop.filter((p) => p !== null).length).toBeGreaterThan(0);
});

it("answers signed on threads verify with the gateway's public key", async () => {
  const messages = Array.from({ length: 20 }, (_, i) => new TextEncoder().encode(`answer ${i}`));
  const signatures = await pool.sign(messages);
  signatures.forEach((s, i) => expect(verifyMessage(-8, key.publicKey, messages[i], s)).toBe(true));
});
