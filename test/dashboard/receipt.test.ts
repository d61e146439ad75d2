// Receipt verification as the dashboard runs it in the voter's browser
// (gateway/dashboard/receipt.ts), here on Node against real answers of the
// log read API: a real vote is verified and shows its ballot and choice;
// every kind of tampering with the answer is caught and named.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ALG_EDDSA, encodeEntry, leafHash, receiptCode, signPayload, toHex, type Entry, type Vote } from "../../firmware/protocol/index.ts";
import { verifyGrowth, verifyReceipt, type SeenCheckpoint } from "../../gateway/dashboard/receipt.ts";
import { logRoutes } from "../../gateway/http/log.ts";
import { gatewayKeyFromSeed } from "../../gateway/key.ts";
import { BlobStore } from "../../gateway/ledger/blobs.ts";
import { Ledger } from "../../gateway/ledger/ledger.ts";
import { openDatabase, type Db } from "../../gateway/ledger/store.ts";

const key = gatewayKeyFromSeed("signet.example.org/town-hall", new Uint8Array(32).fill(1));
const otherKey = gatewayKeyFromSeed("signet.example.org/town-hall", new Uint8Array(32).fill(2));
const kioskKey = new Uint8Array(32).fill(7);
const T0 = 1_795_300_000_000;

const vote = (seq: number, voter: string, choice: string): Entry => {
  const payload: Vote = { v: 1, t: "vote", dev: "kiosk-07", seq, ts: T0 / 1000 + seq, ballot: "agm-2026.item-3", choice, voter, auth: "pin" };
  return { at: T0 + seq, k: "msg", cose: signPayload(ALG_EDDSA, "kiosk-07", payload, kioskKey) };
};

let dir: string;
let db: Db;
let app: FastifyInstance;
const votes = [vote(1, "shareholder-11", "yes"), vote(2, "shareholder-12", "no"), vote(3, "shareholder-13", "yes"), vote(4, "shareholder-14", "abstain")];
const codeOf = (entry: Entry) => receiptCode(leafHash(encodeEntry(entry)));
/** The checkpoints the scan cycle signed, as a browser remembers them. */
let early: SeenCheckpoint;
let latest: SeenCheckpoint;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "signet-dash-receipt-"));
  db = openDatabase(join(dir, "gateway.db"));
  const ledger = Ledger.open(db, key);
  const config: Entry = { at: T0, k: "config", cose: key.signRecord({ v: 1, t: "config", ts: T0 / 1000, origin: key.name, admins: [] }) };
  for (const batch of [[config, ...votes.slice(0, 2)], votes.slice(2)]) {
    const signed = db.transaction(() => {
      ledger.append(batch);
      return ledger.checkpoint();
    })();
    [early, latest] = [latest ?? { size: signed.size, root: toHex(signed.root) }, { size: signed.size, root: toHex(signed.root) }];
  }
  app = Fastify();
  await app.register(logRoutes, { ledger, blobs: BlobStore.open(dir) });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function lookUp(code: string): Promise<{ checkpoint: string; matches: { index: number; entry: string; hashes: string[] }[] }> {
  const response = await app.inject({ method: "GET", url: `/log/receipt/${code}` });
  expect(response.statusCode).toBe(200);
  return response.json();
}

describe("a voter checks the receipt code the kiosk showed", () => {
  test("typed in lower case without the dash, it verifies and shows the ballot, the choice and the voter", async () => {
    const code = codeOf(votes[1]);
    const answer = await lookUp(code.replace("-", "").toLowerCase());
    const verdict = verifyReceipt(code.replace("-", "").toLowerCase(), answer, key.verifierKey);
    expect(verdict.code).toBe(code);
    expect(verdict.verified).toBe(true);
    expect(verdict.checkpoint).toMatchObject({ ok: true, size: 5 });
    expect(verdict.checkpoint.detail).toBe(`signed by ${key.name}, log size 5`);
    expect(verdict.matches).toHaveLength(1);
    const [match] = verdict.matches;
    expect(match).toMatchObject({ index: 2, verified: true, leaf: { ok: true }, inclusion: { ok: true } });
    expect(match.content).toMatchObject({ kind: "msg", type: "vote", ballot: "agm-2026.item-3", choice: "no", voter: "shareholder-12", device: "kiosk-07", signer: "kiosk-07", at: T0 + 2 });
  });

  test("a proof hash changed by one bit makes it NOT verified, naming the roots that differ", async () => {
    const code = codeOf(votes[2]);
    const answer = await lookUp(code);
    const hash = Buffer.from(answer.matches[0].hashes[0], "base64");
    hash[0] ^= 1;
    answer.matches[0].hashes[0] = hash.toString("base64");
    const verdict = verifyReceipt(code, answer, key.verifierKey);
    expect(verdict.verified).toBe(false);
    expect(verdict.checkpoint.ok).toBe(true);
    expect(verdict.matches[0].leaf.ok).toBe(true);
    expect(verdict.matches[0].inclusion).toMatchObject({ ok: false });
    expect(verdict.matches[0].inclusion.detail).toMatch(/^calculated root [0-9a-f]{64} does not match expected root [0-9a-f]{64}$/);
  });

  test("a proof with a hash missing, or an index moved, is NOT verified", async () => {
    const code = codeOf(votes[0]);
    const short = await lookUp(code);
    short.matches[0].hashes.pop();
    expect(verifyReceipt(code, short, key.verifierKey).matches[0].inclusion).toMatchObject({ ok: false });
    const moved = await lookUp(code);
    moved.matches[0].index = 3;
    expect(verifyReceipt(code, moved, key.verifierKey)).toMatchObject({ verified: false, matches: [{ inclusion: { ok: false } }] });
    const beyond = await lookUp(code);
    beyond.matches[0].index = 9;
    expect(verifyReceipt(code, beyond, key.verifierKey).matches[0].inclusion.detail).toBe("index 9 is not below the checkpoint size 5");
  });

  test("another entry offered under the code fails the leaf hash check (it carries another code)", async () => {
    const code = codeOf(votes[3]);
    const answer = await lookUp(code);
    const other = await lookUp(codeOf(votes[0]));
    answer.matches[0] = other.matches[0];
    const verdict = verifyReceipt(code, answer, key.verifierKey);
    expect(verdict.verified).toBe(false);
    expect(verdict.matches[0].leaf).toMatchObject({ ok: false });
    expect(verdict.matches[0].leaf.detail).toContain(`gives ${codeOf(votes[0])}, not ${code}`);
  });

  test("a checkpoint with a changed size, or signed by another key, is NOT verified", async () => {
    const code = codeOf(votes[1]);
    const resized = await lookUp(code);
    resized.checkpoint = resized.checkpoint.replace(`${key.name}\n5\n`, `${key.name}\n6\n`);
    const verdict = verifyReceipt(code, resized, key.verifierKey);
    expect(verdict.verified).toBe(false);
    expect(verdict.checkpoint).toMatchObject({ ok: false, detail: `invalid signature for key ${key.verifierKey.split("+").slice(0, 2).join("+")}` });
    expect(verdict.matches[0].inclusion).toEqual({ ok: false, detail: "no verified checkpoint to prove against" });

    // An auditor who pinned another key refuses a note this gateway signed.
    const pinnedElsewhere = verifyReceipt(code, await lookUp(code), otherKey.verifierKey);
    expect(pinnedElsewhere.verified).toBe(false);
    expect(pinnedElsewhere.checkpoint.detail).toMatch(/^note has no signature by key signet\.example\.org\/town-hall\+[0-9a-f]{8}$/);
  });

  test("an answer that is not the §7.4 shape, or lists nothing, is NOT verified", () => {
    const code = codeOf(votes[0]);
    expect(verifyReceipt(code, "<html>", key.verifierKey)).toMatchObject({ verified: false, answer: { ok: false, detail: "the answer is not a JSON object" } });
    expect(verifyReceipt(code, { checkpoint: "x", matches: [{ index: -1, entry: "", hashes: [] }] }, key.verifierKey).answer.detail).toBe("match 0 has no valid index");
    expect(verifyReceipt(code, { checkpoint: "x", matches: [] }, key.verifierKey)).toMatchObject({ verified: false, answer: { ok: false, detail: "the answer lists no entry" } });
    expect(() => verifyReceipt("ABCD-EFG1", {}, key.verifierKey)).toThrow(/not a receipt code/);
  });
});

describe("a browser that looked before checks that the log only grew", () => {
  async function consistency(from: number, to: number): Promise<string[]> {
    const response = await app.inject({ method: "GET", url: `/log/proof/consistency?from=${from}&to=${to}` });
    expect(response.statusCode).toBe(200);
    return response.json().hashes;
  }

  test("a larger checkpoint with its consistency proof extends the one seen; the same one is the same", async () => {
    expect([early.size, latest.size]).toEqual([3, 5]);
    expect(verifyGrowth(early, latest, await consistency(3, 5))).toEqual({ ok: true, detail: "the log of size 5 extends the one of size 3 this browser saw before" });
    expect(verifyGrowth(latest, latest, null)).toEqual({ ok: true, detail: "the same checkpoint (size 5) as this browser saw before" });
  });

  test("a rewritten log (another root at a size seen, or a proof that does not lead there) and a rolled-back one fail", async () => {
    const forged = { size: 3, root: "00".repeat(32) };
    expect(verifyGrowth(forged, latest, await consistency(3, 5))).toMatchObject({ ok: false, detail: expect.stringMatching(/^not an extension of the log of size 3 this browser saw before: the proof leads to old root [0-9a-f]{64}, want 0{64}$/) });
    expect(verifyGrowth({ size: 5, root: forged.root }, latest, null)).toMatchObject({ ok: false, detail: expect.stringContaining("the log was rewritten") });
    expect(verifyGrowth(latest, early, null)).toEqual({ ok: false, detail: "the log is at size 3, behind the size 5 this browser saw before: it was rolled back" });
    expect(verifyGrowth(early, latest, null)).toEqual({ ok: false, detail: "no consistency proof from size 3 to 5" });
  });
});
