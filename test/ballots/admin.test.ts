// An administrator's requests, good and bad: rolls imported from CSV, signed
// ballots accepted per PROTOCOL §8, and everything refused refused whole
// (the log does not grow, nothing is published).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeEntry, encodeCbor, signSign1, decodeSign1, parsePayload, toHex } from "../../firmware/protocol/index.ts";
import { adminCall, adminGateway, adminKey, api, importRoll, publishBallot, removeDataDir, signBallot, type BallotFields, type TestGateway } from "./setup.ts";

const clerk = adminKey("clerk.example.org/agm", -8);
const treasurer = adminKey("treasurer.example.org/agm", -7);
const stranger = adminKey("stranger.example.org/x", -8);
let gateway: TestGateway;

const ROLL = "voter,weight\nanna,100\nben,50\ncarl,30\n";
const now = () => Math.floor(Date.now() / 1000);
const definition = (fields: Partial<BallotFields> = {}): BallotFields => ({
  id: "agm-2026.item-1",
  rev: 1,
  title: "Item 1: budget",
  options: [
    { id: "yes", label: "Yes" },
    { id: "no", label: "No" },
  ],
  opens: now() + 3600,
  closes: now() + 7200,
  rule: { kind: "plurality" },
  quorum: { num: 1, den: 2 },
  roll: "agm-2026",
  ...fields,
});

beforeAll(async () => {
  gateway = await adminGateway([clerk, treasurer]);
});

afterAll(async () => {
  await gateway.stop();
  removeDataDir(gateway);
});

describe("rolls", () => {
  it("a roll file becomes a roll record in the log, and the file is served by its hash", async () => {
    const r = await importRoll(gateway, "agm-2026", ROLL);
    expect(r.status).toBe(201);
    expect(r.json.roll).toMatchObject({ id: "agm-2026", rev: 1, voters: 3, weight: 180 });
    const entry = decodeEntry(gateway.ledger.entry(r.json.roll.leaf));
    expect(entry.k).toBe("roll");
    const record = parsePayload(decodeSign1(entry.cose).payload, ["roll"]);
    expect(toHex(record.sha256)).toBe(r.json.roll.sha256);
    const blob = await fetch(`${gateway.httpUrl}/log/blob/${r.json.roll.sha256}`);
    expect(await blob.text()).toBe(ROLL);
  });

  it("the same file again is the same revision; a changed file is the next", async () => {
    const size = gateway.ledger.size;
    const again = await importRoll(gateway, "agm-2026", ROLL);
    expect(again).toMatchObject({ status: 200, json: { created: false, roll: { rev: 1 } } });
    expect(gateway.ledger.size).toBe(size);
    const other = await importRoll(gateway, "other", "voter,weight\nx,1\n");
    expect(other.json.roll.rev).toBe(1);
    const rev2 = await importRoll(gateway, "other", "voter,weight\nx,1\ny,2\n");
    expect(rev2.json.roll).toMatchObject({ rev: 2, voters: 2, weight: 3 });
  });

  it("a roll with a bad row is refused naming the row, and nothing is committed", async () => {
    const size = gateway.ledger.size;
    const r = await importRoll(gateway, "bad", "voter,weight\nanna,1\nben,zero\n");
    expect(r.status).toBe(400);
    expect(r.json.error).toContain("line 3");
    expect(r.json.error).toContain("zero");
    const unsorted = await importRoll(gateway, "bad", "voter,weight\nben,1\nanna,1\n");
    expect(unsorted.json.error).toMatch(/line 3: voter anna is out of order/);
    expect(gateway.ledger.size).toBe(size);
    expect((await adminCall(gateway, "GET", "/admin/rolls/bad")).status).toBe(404);
  });

  it("a roll needs the admin token", async () => {
    const r = await fetch(`${gateway.httpUrl}/admin/rolls/agm-2026`, { method: "POST", body: ROLL, headers: { "content-type": "text/csv" } });
    expect(r.status).toBe(401);
  });
});

describe("ballots (PROTOCOL §8)", () => {
  it("a ballot signed by an administrator key is committed, then published retained", async () => {
    const cose = signBallot(clerk, definition());
    const r = await publishBallot(gateway, cose);
    expect(r.status).toBe(201);
    expect(r.json.ballot).toMatchObject({ id: "agm-2026.item-1", rev: 1, status: "scheduled", eligible: 180, turnout: 0, votes: 0, result: null });
    const entry = decodeEntry(gateway.ledger.entry(r.json.leaf));
    expect(entry.k).toBe("ballot");
    expect(toHex(entry.cose)).toBe(toHex(cose));
    expect((await api(gateway, "/api/ballots/agm-2026.item-1")).title).toBe("Item 1: budget");
  });

  it("an ES256 administrator key works as well", async () => {
    const r = await publishBallot(gateway, signBallot(treasurer, definition({ id: "agm-2026.item-2", rule: { kind: "threshold", option: "yes", num: 2, den: 3, base: "cast" } })));
    expect(r.status).toBe(201);
  });

  const refusals: [string, () => Uint8Array, number, RegExp][] = [
    ["not a COSE message (unsigned)", () => new TextEncoder().encode("just some bytes, no signature"), 400, /^cose: malformed/],
    ["signed by a key not in the config", () => signBallot(stranger, definition({ id: "x1" })), 400, /not an administrator key/],
    [
      "a wrong signature",
      () => {
        const cose = signBallot(clerk, definition({ id: "x2" }));
        cose[cose.length - 1] ^= 1;
        return cose;
      },
      400,
      /bad-signature/,
    ],
    ["a window in the past", () => signBallot(clerk, definition({ id: "x3", opens: now() - 7200, closes: now() - 3600 })), 400, /^closes: .*in the past/],
    ["a roll never imported", () => signBallot(clerk, definition({ id: "x4", roll: "nobody" })), 400, /^roll: roll "nobody" has not been imported/],
    ["a stale rev", () => signBallot(clerk, definition({ rev: 1, title: "again" })), 409, /^rev: rev 1 is not above the committed rev 1/],
    ["options that break §4.5", () => signSign1(clerk.alg, clerk.kid, encodeCbor({ v: 1, t: "ballot", ts: now(), ...definition({ id: "x5", options: [{ id: "tie", label: "Tie" }, { id: "no", label: "No" }] }) } as never), clerk.privateKey), 400, /reserved|tie/],
  ];
  for (const [what, make, status, error] of refusals)
    it(`refuses ${what}, committing and publishing nothing`, async () => {
      const size = gateway.ledger.size;
      const r = await publishBallot(gateway, make());
      expect(r.status).toBe(status);
      expect(r.json.error).toMatch(error);
      expect(gateway.ledger.size).toBe(size);
    });

  it("a body that breaks the schema is refused naming the field", async () => {
    expect((await adminCall(gateway, "POST", "/admin/ballots", {})).json.error).toBe("body.cose: must have required property 'cose'");
    expect((await adminCall(gateway, "POST", "/admin/ballots", { cose: "AAAA", extra: 1 })).json.error).toMatch(/body.extra: is not a known field/);
    expect((await adminCall(gateway, "POST", "/admin/ballots", { cose: "not base64!" })).json.error).toMatch(/^body.cose: must match pattern/);
  });

  it("a higher rev replaces the ballot before it opens; the list and tally routes show it", async () => {
    const r = await publishBallot(gateway, signBallot(clerk, definition({ rev: 2, title: "Item 1: the budget", options: [{ id: "yes", label: "Yes" }, { id: "no", label: "No" }, { id: "abstain", label: "Abstain" }] })));
    expect(r.status).toBe(201);
    expect(r.json.ballot.options).toHaveLength(3);
    const list = await adminCall(gateway, "GET", "/admin/ballots");
    expect(list.json.ballots.map((b: { id: string }) => b.id)).toEqual(["agm-2026.item-1", "agm-2026.item-2"]);
    const tally = await adminCall(gateway, "GET", "/admin/ballots/agm-2026.item-1/tally");
    expect(tally.json).toMatchObject({ ballot: "agm-2026.item-1", rev: 2, status: "scheduled", result: null, current: { turnout: 0, eligible: 180, quorum: "missed" } });
    expect((await adminCall(gateway, "GET", "/admin/ballots/nope")).status).toBe(404);
  });

  it("once open, a revision may change only title and closes", async () => {
    const open = definition({ id: "agm-2026.item-3", opens: now() - 60 });
    expect((await publishBallot(gateway, signBallot(clerk, open))).status).toBe(201);
    const moved = await publishBallot(gateway, signBallot(clerk, { ...open, rev: 2, quorum: { num: 0, den: 1 } }));
    expect(moved.status).toBe(400);
    expect(moved.json.error).toMatch(/^quorum: the ballot opened/);
    const retitled = await publishBallot(gateway, signBallot(clerk, { ...open, rev: 2, title: "Item 3 (amended)", closes: open.closes + 600 }));
    expect(retitled.status).toBe(201);
    expect(retitled.json.ballot).toMatchObject({ rev: 2, title: "Item 3 (amended)", status: "open" });
  });

  it("the public API lists ballots without a token, and 404s an unknown one", async () => {
    const all = await api(gateway, "/api/ballots");
    expect(all.ballots.length).toBe(3);
    const missing = await fetch(`${gateway.httpUrl}/api/ballots/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/nope/);
    const summary = await api(gateway, "/api/summary");
    expect(summary).toMatchObject({ origin: gateway.key.name, verifierKey: gateway.key.verifierKey, site: "test-site", ballotsOpen: 1 });
    expect(summary.size).toBe(gateway.ledger.size);
  });

  it("the OpenAPI document describes the read and admin routes", async () => {
    const doc = await api(gateway, "/openapi.json");
    expect(doc.openapi).toBe("3.1.0");
    for (const p of ["/api/ballots", "/api/ballots/{id}", "/api/energy", "/api/devices", "/api/rejects", "/api/summary", "/admin/ballots", "/admin/rolls/{id}"]) expect(doc.paths[p]).toBeDefined();
  });
});
