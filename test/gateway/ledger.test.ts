// The ledger as the scan cycle uses it: batches appended inside the cycle's
// transaction, one checkpoint per cycle, proofs that check against the
// RFC 9162 reference, and a database that survives a reopen.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { decodeEntry, encodeEntry, receiptCode, signPayload, type Entry, type Vote } from "../../firmware/protocol/index.ts";
import { BlobStore } from "../../gateway/ledger/blobs.ts";
import { openCheckpoint } from "../../gateway/ledger/checkpoint.ts";
import { Ledger } from "../../gateway/ledger/ledger.ts";
import { openDatabase, type Db } from "../../gateway/ledger/store.ts";
import { verifyConsistency, verifyInclusion } from "../../gateway/ledger/tree.ts";
import { gatewayKeyFromSeed, type GatewayKey } from "../../gateway/key.ts";
import { hex, MTH, PATH, PROOF, refLeaf } from "./rfc9162-reference.ts";

const ORIGIN = "signet.example.org/town-hall";
const key = gatewayKeyFromSeed(ORIGIN, new Uint8Array(32).fill(1));
const DEVICE_SEED = new Uint8Array(32).fill(2);
const T0 = 1_795_300_000_000;

function configEntry(gateway: GatewayKey = key, at = T0, origin = gateway.name): Entry {
  return { at, k: "config", cose: gateway.signRecord({ v: 1, t: "config", ts: Math.floor(at / 1000), origin, admins: [] }) };
}

/** A vote as a kiosk signs it; seq makes each one distinct. */
function voteEntry(seq: number, at = T0 + seq): Entry {
  const vote: Vote = { v: 1, t: "vote", dev: "kiosk-07", seq, ts: Math.floor(at / 1000), ballot: "agm-2026", choice: "yes", voter: `v-${seq}`, auth: "pin" };
  return { at, k: "msg", cose: signPayload(-8, "kiosk-07", vote, DEVICE_SEED) };
}

const dirs: string[] = [];
const dbs: Db[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "signet-ledger-"));
  dirs.push(d);
  return d;
}
function open(path: string): Db {
  const db = openDatabase(path);
  dbs.push(db);
  return db;
}
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newLedger(): { db: Db; ledger: Ledger; path: string } {
  const path = join(tempDir(), "gateway.db");
  const db = open(path);
  return { db, ledger: Ledger.open(db, key), path };
}

describe("the database", () => {
  test("is opened in WAL mode with synchronous=FULL and foreign keys on", () => {
    const { db } = newLedger();
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
  });
});

describe("appending", () => {
  test("batches of every shape give the RFC 9162 roots and proofs of the entries' CBOR bytes", () => {
    const { ledger } = newLedger();
    const all: Entry[] = [configEntry()];
    expect(ledger.append(all)).toBe(0);
    let seq = 1;
    for (const batch of [1, 2, 3, 5, 8, 13, 1, 31, 64, 1, 7]) {
      const entries = Array.from({ length: batch }, () => voteEntry(seq++));
      expect(ledger.append(entries)).toBe(all.length);
      all.push(...entries);
    }
    const D = all.map(encodeEntry);
    expect(ledger.size).toBe(D.length);
    for (let n = 1; n <= D.length; n++) expect(hex(ledger.root(n)), `root(${n})`).toBe(hex(MTH(D.slice(0, n))));
    for (const n of [1, 2, 7, 64, 100, D.length]) {
      const root = MTH(D.slice(0, n));
      for (let i = 0; i < n; i++) {
        const proof = ledger.inclusionProof(i, n);
        expect(proof.map(hex), `PATH(${i}, ${n})`).toEqual(PATH(i, D.slice(0, n)).map(hex));
        verifyInclusion(i, n, ledger.leafHash(i), proof, root);
      }
      for (let m = 1; m <= n; m++) {
        const proof = ledger.consistencyProof(m, n);
        expect(proof.map(hex), `PROOF(${m}, ${n})`).toEqual(PROOF(m, D.slice(0, n)).map(hex));
        verifyConsistency(m, n, MTH(D.slice(0, m)), root, proof);
      }
    }
    expect(decodeEntry(ledger.entry(5))).toEqual({ ...all[5], cose: all[5].cose });
    expect(ledger.entries(3, 6).map(hex)).toEqual(D.slice(3, 6).map(hex));
    expect(hex(ledger.leafHash(9))).toBe(hex(refLeaf(D[9])));
  });

  test("stores each perfect subtree once (2n − popcount(n) nodes), so nothing is recomputed per checkpoint", () => {
    const { db, ledger } = newLedger();
    ledger.append([configEntry()]);
    for (let i = 1; i < 200; i += 9) ledger.append(Array.from({ length: 9 }, (_, j) => voteEntry(i + j)));
    const n = ledger.size;
    const nodes = db.prepare("SELECT count(*) AS c FROM ledger_nodes").get() as { c: number };
    expect(nodes.c).toBe(2 * n - [...n.toString(2)].filter((b) => b === "1").length);
  });

  test("the first entry of a log must be a config record", () => {
    const { ledger } = newLedger();
    expect(() => ledger.append([voteEntry(1)])).toThrow('the first entry of a log must be a config record, got "msg"');
    expect(ledger.size).toBe(0);
  });

  test("a config record must be signed by this gateway's key and name its origin", () => {
    const { ledger } = newLedger();
    const stranger = gatewayKeyFromSeed(ORIGIN, new Uint8Array(32).fill(9));
    expect(() => ledger.append([configEntry(stranger)])).toThrow("entry 0 of the batch is not this gateway's config record: EdDSA signature does not verify");
    expect(() => ledger.append([configEntry(key, T0, "elsewhere.example/log")])).toThrow(
      'entry 0 of the batch is not this gateway\'s config record: origin "elsewhere.example/log" is not the log\'s "signet.example.org/town-hall"',
    );
    expect(ledger.size).toBe(0);
  });

  test("an entry whose at goes back in time is refused, and the whole batch with it", () => {
    const { ledger } = newLedger();
    ledger.append([configEntry(), voteEntry(1, T0 + 50)]);
    expect(() => ledger.append([voteEntry(2, T0 + 60), voteEntry(3, T0 + 40)])).toThrow(
      "entry 1 of the batch has at 1795300000040, before the previous entry's 1795300000060: at never decreases",
    );
    expect(ledger.size).toBe(2);
    expect(ledger.lastAt).toBe(T0 + 50);
    expect(ledger.append([voteEntry(2, T0 + 50)])).toBe(2); // equal at is fine: it never decreases
  });

  test("an entry of an unknown kind is refused", () => {
    const { ledger } = newLedger();
    ledger.append([configEntry()]);
    expect(() => ledger.append([{ ...voteEntry(1), k: "vote" as never }])).toThrow('entry 0 of the batch has kind "vote", not one of msg, ballot');
  });
});

describe("a scan cycle's transaction", () => {
  test("a throw after append and checkpoint rolls back the entries, their nodes and the checkpoint", () => {
    const { db, ledger } = newLedger();
    ledger.append([configEntry(), voteEntry(1), voteEntry(2)]);
    const before = ledger.checkpoint();
    const nodeCount = () => (db.prepare("SELECT count(*) AS c FROM ledger_nodes").get() as { c: number }).c;
    const nodesBefore = nodeCount();
    const cycle = db.transaction(() => {
      ledger.append([voteEntry(3), voteEntry(4), voteEntry(5)]);
      ledger.checkpoint();
      throw new Error("the registry write failed");
    });
    expect(cycle).toThrow("the registry write failed");
    expect(ledger.size).toBe(3);
    expect(nodeCount()).toBe(nodesBefore);
    expect(ledger.latest()).toEqual(before);
    // The next cycle continues from the state before, as if the failed one never ran.
    const D = [configEntry(), voteEntry(1), voteEntry(2), voteEntry(6), voteEntry(7)].map(encodeEntry);
    db.transaction(() => {
      ledger.append([voteEntry(6), voteEntry(7)]);
      ledger.checkpoint();
    })();
    expect(hex(ledger.latest()!.root)).toBe(hex(MTH(D)));
  });

  test("a refused batch inside a cycle leaves the cycle's earlier appends to the caller", () => {
    const { db, ledger } = newLedger();
    ledger.append([configEntry()]);
    db.transaction(() => {
      ledger.append([voteEntry(1)]);
      expect(() => ledger.append([voteEntry(2, T0 - 1)])).toThrow("at never decreases");
      ledger.append([voteEntry(3)]);
    })();
    expect(ledger.size).toBe(3);
  });
});

describe("checkpoints", () => {
  test("one per cycle, signed by the gateway key, consistent with the one before", () => {
    const { ledger } = newLedger();
    expect(ledger.latest()).toBeNull();
    expect(() => ledger.checkpoint()).toThrow("an empty log has no checkpoint");
    ledger.append([configEntry()]);
    let previous = ledger.checkpoint();
    expect(openCheckpoint(previous.note, key.verifierKey)).toMatchObject({ origin: ORIGIN, size: 1 });
    for (let cycle = 0; cycle < 10; cycle++) {
      ledger.append(Array.from({ length: cycle + 1 }, (_, j) => voteEntry(cycle * 100 + j + 1)));
      const cp = ledger.checkpoint();
      expect(cp.size).toBe(ledger.size);
      expect(ledger.latest()).toEqual(cp);
      verifyConsistency(previous.size, cp.size, previous.root, cp.root, ledger.consistencyProof(previous.size, cp.size));
      previous = cp;
    }
  });

  test("with nothing appended, the latest checkpoint is returned, not signed again", () => {
    const { db, ledger } = newLedger();
    ledger.append([configEntry()]);
    const first = ledger.checkpoint();
    expect(ledger.checkpoint()).toEqual(first);
    expect((db.prepare("SELECT count(*) AS c FROM ledger_checkpoints").get() as { c: number }).c).toBe(1);
  });

  test("a damaged tree is never signed: the consistency check against the last checkpoint refuses", () => {
    const { db, ledger } = newLedger();
    ledger.append([configEntry(), voteEntry(1), voteEntry(2), voteEntry(3)]);
    ledger.checkpoint();
    ledger.append([voteEntry(4)]);
    // Rewrite the stored subtree of the first four entries (level 2, in-order id 3): the new root no longer extends the signed tree.
    db.prepare("UPDATE ledger_nodes SET hash = ? WHERE id = 3").run(new Uint8Array(32).fill(5));
    expect(() => ledger.checkpoint()).toThrow(/the tree of size 5 is not consistent with the signed checkpoint of size 4 \(.*\): refusing to sign a fork/);
    expect(ledger.latest()!.size).toBe(4);
  });
});

describe("reopening", () => {
  test("the database reopens and appending continues with the same roots as one unbroken run", () => {
    const { db, ledger, path } = newLedger();
    const all = [configEntry(), ...Array.from({ length: 20 }, (_, i) => voteEntry(i + 1))];
    ledger.append(all.slice(0, 13));
    const cp = ledger.checkpoint();
    db.close();

    const again = Ledger.open(open(path), key);
    expect(again.size).toBe(13);
    expect(again.latest()).toEqual(cp);
    again.append(all.slice(13));
    again.checkpoint();
    const D = all.map(encodeEntry);
    for (let n = 1; n <= D.length; n++) expect(hex(again.root(n))).toBe(hex(MTH(D.slice(0, n))));
  });

  test("a log signed by another key is refused at open", () => {
    const { db, ledger, path } = newLedger();
    ledger.append([configEntry()]);
    ledger.checkpoint();
    db.close();
    const other = gatewayKeyFromSeed(ORIGIN, new Uint8Array(32).fill(4));
    expect(() => Ledger.open(open(path), other)).toThrow(/the log's latest checkpoint \(size 1\) does not verify with the gateway key signet\.example\.org\/town-hall\+/);
    const renamed = gatewayKeyFromSeed("signet.example.org/elsewhere", new Uint8Array(32).fill(1));
    expect(() => Ledger.open(open(path), renamed)).toThrow("does not verify with the gateway key signet.example.org/elsewhere+");
  });

  test("a stored tree that no longer gives the signed root is refused at open", () => {
    const { db, ledger, path } = newLedger();
    ledger.append([configEntry(), voteEntry(1)]);
    ledger.checkpoint();
    db.prepare("UPDATE ledger_nodes SET hash = ? WHERE id = 1").run(new Uint8Array(32));
    db.close();
    expect(() => Ledger.open(open(path), key)).toThrow(/the stored tree gives root 0{64} at size 2, but [0-9a-f]{64} was signed/);
  });
});

describe("receipts", () => {
  test("a receipt code finds its entry, with or without the dash, in either case", () => {
    const { ledger } = newLedger();
    ledger.append([configEntry(), ...Array.from({ length: 50 }, (_, i) => voteEntry(i + 1))]);
    for (const i of [0, 17, 50]) {
      const code = receiptCode(ledger.leafHash(i));
      expect(ledger.findByReceipt(code)).toEqual([i]);
      expect(ledger.findByReceipt(code.replace("-", "").toLowerCase())).toEqual([i]);
    }
    expect(ledger.findByReceipt("AAAA-AAAA")).toEqual([]);
    expect(() => ledger.findByReceipt("ABCD-EFG1")).toThrow("is not a receipt code");
  });
});

describe("blobs (rolls beside the log)", () => {
  test("are stored under their SHA-256 and read back", () => {
    const blobs = BlobStore.open(tempDir());
    const roll = new TextEncoder().encode("voter,weight\nshareholder-1,10\nshareholder-2,5\n");
    const id = blobs.put(roll);
    expect(id).toBe(createHash("sha256").update(roll).digest("hex"));
    expect(blobs.get(id)).toEqual(roll);
    expect(blobs.put(roll)).toBe(id);
    expect(blobs.get("0".repeat(64))).toBeNull();
  });

  test("a malformed id is refused and a damaged file is reported, not served", () => {
    const blobs = BlobStore.open(tempDir());
    expect(() => blobs.get("ABC")).toThrow("blob id must be 64 lowercase hex digits");
    const id = blobs.put(new Uint8Array([1, 2, 3]));
    writeFileSync(join(blobs.dir, id), new Uint8Array([1, 2, 4]));
    expect(() => blobs.get(id)).toThrow(`blob ${id} is damaged`);
  });
});
