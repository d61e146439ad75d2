// The log read API of PROTOCOL §7.4 as an auditor and a voter use it, through
// fastify.inject (no ports): every answer checked against the signed
// checkpoint with the verifiers in gateway/ledger/tree.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { decodeEntry, leafHash, receiptCode, type Entry } from "../../firmware/protocol/index.ts";
import { BlobStore } from "../../gateway/ledger/blobs.ts";
import { openCheckpoint } from "../../gateway/ledger/checkpoint.ts";
import { Ledger } from "../../gateway/ledger/ledger.ts";
import { openDatabase, type Db } from "../../gateway/ledger/store.ts";
import { verifyConsistency, verifyInclusion } from "../../gateway/ledger/tree.ts";
import { logRoutes } from "../../gateway/http/log.ts";
import { gatewayKeyFromSeed } from "../../gateway/key.ts";

const key = gatewayKeyFromSeed("signet.example.org/town-hall", new Uint8Array(32).fill(1));
const T0 = 1_795_300_000_000;
const config: Entry = { at: T0, k: "config", cose: key.signRecord({ v: 1, t: "config", ts: T0 / 1000, origin: key.name, admins: [] }) };
// The ledger does not open device messages (the scan cycle has verified them); distinct bytes are enough here.
const message = (i: number): Entry => ({ at: T0 + i, k: "msg", cose: new TextEncoder().encode(`vote ${i}`) });

const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

let dir: string;
let db: Db;
let ledger: Ledger;
let blobs: BlobStore;
let app: FastifyInstance;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "signet-log-http-"));
  db = openDatabase(join(dir, "gateway.db"));
  ledger = Ledger.open(db, key);
  blobs = BlobStore.open(dir);
  app = Fastify();
  await app.register(logRoutes, { ledger, blobs });
  await app.ready();
});

afterEach(async () => {
  await app.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** n entries in cycles of 7, one checkpoint per cycle, as the scan cycle commits them. */
function commit(n: number): void {
  let size = ledger.size;
  if (size === 0) {
    ledger.append([config]);
    size = 1;
  }
  while (size < n) {
    const batch = Array.from({ length: Math.min(7, n - size) }, (_, j) => message(size + j));
    db.transaction(() => {
      ledger.append(batch);
      ledger.checkpoint();
    })();
    size += batch.length;
  }
  ledger.checkpoint();
}

async function get(url: string) {
  const response = await app.inject({ method: "GET", url });
  return { status: response.statusCode, type: response.headers["content-type"], body: response.body, json: () => response.json() };
}

describe("GET /log/checkpoint and /log/key", () => {
  test("serve the signed note of the latest checkpoint and the verifier key that opens it", async () => {
    commit(30);
    const checkpoint = await get("/log/checkpoint");
    expect(checkpoint.status).toBe(200);
    expect(checkpoint.type).toMatch(/^text\/plain/);
    const keyAnswer = await get("/log/key");
    expect(keyAnswer.type).toMatch(/^text\/plain/);
    expect(keyAnswer.body).toBe(`${key.verifierKey}\n`);
    expect(openCheckpoint(checkpoint.body, keyAnswer.body.trimEnd())).toMatchObject({ origin: key.name, size: 30 });
  });

  test("a log with no checkpoint yet answers 404", async () => {
    const answer = await get("/log/checkpoint");
    expect(answer.status).toBe(404);
    expect(answer.json()).toEqual({ error: "the log has no checkpoint yet" });
  });
});

describe("GET /log/entries", () => {
  test("returns entries a ≤ i < min(b, size), as base64 of the bytes whose leaf hashes the tree commits", async () => {
    commit(30);
    const answer = await get("/log/entries?start=25&end=40");
    expect(answer.status).toBe(200);
    const entries: string[] = answer.json().entries;
    expect(entries).toHaveLength(5);
    entries.forEach((e, i) => expect(leafHash(b64(e))).toEqual(ledger.leafHash(25 + i)));
    expect(decodeEntry(b64(entries[0])).k).toBe("msg");
    expect((await get("/log/entries?start=3&end=3")).json()).toEqual({ entries: [] });
  });

  test("returns at most 1000 entries from a", async () => {
    commit(1205);
    const entries: string[] = (await get("/log/entries?start=100&end=1205")).json().entries;
    expect(entries).toHaveLength(1000);
    expect(leafHash(b64(entries[999]))).toEqual(ledger.leafHash(1099));
  });

  test.each([
    ["start=30&end=31", "start 30 is not below the log size 30"],
    ["start=5&end=4", "start 5 is above end 4"],
    ["start=-1&end=4", "querystring parameter start: must be a decimal integer (digits only, no sign, no leading zeros)"],
    ["start=x&end=4", "querystring parameter start: must be a decimal integer (digits only, no sign, no leading zeros)"],
    ["start=1.5&end=4", "querystring parameter start: must be a decimal integer (digits only, no sign, no leading zeros)"],
    ["end=4", "querystring parameter start: must have required property 'start'"],
    ["start=&end=4", "querystring parameter start: must be a decimal integer (digits only, no sign, no leading zeros)"],
    ["start=0x1&end=4", "querystring parameter start: must be a decimal integer (digits only, no sign, no leading zeros)"],
    ["start=01&end=4", "querystring parameter start: must be a decimal integer (digits only, no sign, no leading zeros)"],
  ])("?%s is a 400 naming the problem", async (query, error) => {
    commit(30);
    const answer = await get(`/log/entries?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({ error });
  });
});

describe("GET /log/proof/inclusion", () => {
  test("every entry's proof verifies against the checkpoint's root", async () => {
    commit(45);
    const checkpoint = openCheckpoint((await get("/log/checkpoint")).body, key.verifierKey);
    for (let i = 0; i < 45; i++) {
      const answer = (await get(`/log/proof/inclusion?index=${i}&size=45`)).json();
      expect(answer.index).toBe(i);
      expect(answer.size).toBe(45);
      verifyInclusion(i, 45, ledger.leafHash(i), answer.hashes.map(b64), checkpoint.root);
    }
  });

  test("proofs for an older size (an ack's) verify against that size's root", async () => {
    commit(20);
    const ackSize = ledger.size;
    const oldRoot = ledger.root(ackSize);
    commit(50);
    const answer = (await get(`/log/proof/inclusion?index=13&size=${ackSize}`)).json();
    verifyInclusion(13, ackSize, ledger.leafHash(13), answer.hashes.map(b64), oldRoot);
  });

  test.each([
    ["index=5&size=5", "index 5 is not below size 5"],
    ["index=0&size=31", "size 31 is above the log size 30"],
    ["index=0&size=0", "index 0 is not below size 0"],
    ["size=3", "querystring parameter index: must have required property 'index'"],
  ])("?%s is a 400 naming the problem", async (query, error) => {
    commit(30);
    const answer = await get(`/log/proof/inclusion?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({ error });
  });
});

describe("GET /log/proof/consistency", () => {
  test("proofs from every earlier size verify between the two roots", async () => {
    commit(40);
    const root40 = ledger.root(40);
    for (let m = 1; m <= 40; m++) {
      const answer = (await get(`/log/proof/consistency?from=${m}&to=40`)).json();
      expect(answer).toMatchObject({ from: m, to: 40 });
      verifyConsistency(m, 40, ledger.root(m), root40, answer.hashes.map(b64));
    }
    expect((await get("/log/proof/consistency?from=40&to=40")).json()).toEqual({ from: 40, to: 40, hashes: [] });
  });

  test.each([
    ["from=0&to=5", "from must be at least 1: there is no consistency proof from an empty tree"],
    ["from=6&to=5", "from 6 is above to 5"],
    ["from=1&to=31", "to 31 is above the log size 30"],
  ])("?%s is a 400 naming the problem", async (query, error) => {
    commit(30);
    const answer = await get(`/log/proof/consistency?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({ error });
  });
});

describe("GET /log/receipt/{code}", () => {
  test("a voter's code finds the entry with a proof against the checkpoint returned with it", async () => {
    commit(60);
    const code = receiptCode(ledger.leafHash(42));
    for (const asTyped of [code, code.replace("-", ""), code.toLowerCase(), code.replace("-", "").toLowerCase()]) {
      const answer = await get(`/log/receipt/${asTyped}`);
      expect(answer.status).toBe(200);
      const { checkpoint, matches } = answer.json();
      const signed = openCheckpoint(checkpoint, key.verifierKey);
      expect(matches).toHaveLength(1);
      expect(matches[0].index).toBe(42);
      const entry = b64(matches[0].entry);
      expect(receiptCode(leafHash(entry))).toBe(code);
      verifyInclusion(42, signed.size, leafHash(entry), matches[0].hashes.map(b64), signed.root);
    }
  });

  test("every entry sharing the code's 40 bits is returned, each with its proof", async () => {
    commit(60);
    // Two entries with one code: 40 bits collide in a large log; here the index is made to.
    const code = receiptCode(ledger.leafHash(17));
    db.prepare("UPDATE ledger_entries SET receipt = (SELECT receipt FROM ledger_entries WHERE idx = 17) WHERE idx = 33").run();
    const { checkpoint, matches } = (await get(`/log/receipt/${code}`)).json();
    const signed = openCheckpoint(checkpoint, key.verifierKey);
    expect(matches.map((m: { index: number }) => m.index)).toEqual([17, 33]);
    for (const m of matches) verifyInclusion(m.index, signed.size, leafHash(b64(m.entry)), m.hashes.map(b64), signed.root);
  });

  test("an unknown code is a 404, a malformed one a 400", async () => {
    commit(10);
    const unknown = await get("/log/receipt/AAAA-AAAA");
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ error: "no entry has receipt code AAAA-AAAA" });
    const malformed = await get("/log/receipt/ABCD-EF01");
    expect(malformed.status).toBe(400);
    expect(malformed.json().error).toMatch(/^params parameter code: must be a receipt code/);
  });

  test("an entry not yet covered by a checkpoint is not found until one is signed", async () => {
    commit(10);
    ledger.append([message(10)]);
    const code = receiptCode(ledger.leafHash(10));
    expect((await get(`/log/receipt/${code}`)).status).toBe(404);
    ledger.checkpoint();
    expect((await get(`/log/receipt/${code}`)).json().matches[0].index).toBe(10);
  });
});

describe("GET /log/blob/{sha256}", () => {
  test("serves a roll by its hash; the bytes hash to the name", async () => {
    const roll = new TextEncoder().encode("voter,weight\nshareholder-1,10\n");
    const id = blobs.put(roll);
    const response = await app.inject({ method: "GET", url: `/log/blob/${id}` });
    expect(response.statusCode).toBe(200);
    expect(new Uint8Array(response.rawPayload)).toEqual(roll);
  });

  test("an unknown hash is a 404; uppercase or short hex a 400", async () => {
    expect((await get(`/log/blob/${"0".repeat(64)}`)).json()).toEqual({ error: `no blob with SHA-256 ${"0".repeat(64)}` });
    const upper = await get(`/log/blob/${"A".repeat(64)}`);
    expect(upper.status).toBe(400);
    expect(upper.json()).toEqual({ error: "params parameter sha256: must be 64 lowercase hex digits" });
    expect((await get("/log/blob/abc")).status).toBe(400);
  });
});
