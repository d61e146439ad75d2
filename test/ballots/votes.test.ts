// Rule 9 in the scan cycle, vote by vote, and the tally at close: every
// refusal is nacked with its reason and never committed; the tally entry is
// signed by the gateway and equals tally() over the committed votes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeEntry, decodeSign1, parsePayload, verifySign1, type Vote } from "../../firmware/protocol/index.ts";
import { tally } from "../../gateway/ballots/tally.ts";
import { TestDevice } from "../gateway/devices.ts";
import { adminCall, adminGateway, adminKey, api, importRoll, publishBallot, removeDataDir, signBallot, until, type TestGateway } from "./setup.ts";

const clerk = adminKey();
let gateway: TestGateway;
const kiosk = new TestDevice("kiosk-rule9", -8);
const meter = new TestDevice("meter-rule9", -7);
const now = () => Math.floor(Date.now() / 1000);
let closes = 0;

function vote(ballot: string, voter: string, choice: string): Uint8Array {
  return kiosk.sign({ t: "vote", ballot, choice, voter, auth: "pin" });
}

async function answer(bytes: Uint8Array, channel: "vote" | "reading" = "vote") {
  await kiosk.publish(bytes, channel);
  return kiosk.answer(kiosk.seq);
}

beforeAll(async () => {
  gateway = await adminGateway([clerk]);
  await importRoll(gateway, "members", "voter,weight\nanna,100\nben,50\ncarl,30\ndora,20\n");
  closes = now() + 4;
  expect((await publishBallot(gateway, signBallot(clerk, { id: "motion", rev: 1, title: "Motion", options: [{ id: "yes", label: "Yes" }, { id: "no", label: "No" }], opens: now() - 60, closes, rule: { kind: "threshold", option: "yes", num: 2, den: 3, base: "cast" }, quorum: { num: 1, den: 2 }, roll: "members" }))).status).toBe(201);
  expect((await publishBallot(gateway, signBallot(clerk, { id: "later", rev: 1, title: "Later", options: [{ id: "a", label: "A" }, { id: "b", label: "B" }], opens: now() + 3600, closes: now() + 7200, rule: { kind: "plurality" }, quorum: { num: 0, den: 1 }, roll: "members" }))).status).toBe(201);
  for (const d of [kiosk, meter]) {
    await d.enrol(gateway);
    await d.connect(gateway.mqttUrl, gateway.key.publicKey);
  }
});

afterAll(async () => {
  await kiosk.close();
  await meter.close();
  await gateway.stop();
  removeDataDir(gateway);
});

describe("rule 9: votes", () => {
  it("a vote of an eligible voter for an open ballot is committed and counted live", async () => {
    expect(await answer(vote("motion", "anna", "yes"))).toMatchObject({ t: "ack" });
    expect(await answer(vote("motion", "ben", "no"))).toMatchObject({ t: "ack" });
    const live = await api(gateway, "/api/ballots/motion");
    expect(live).toMatchObject({ status: "open", turnout: 150, eligible: 200, votes: 2, result: null });
  });

  const refusals: [string, () => Uint8Array, string][] = [
    ["a ballot never committed", () => vote("nope", "anna", "yes"), "no-ballot"],
    ["a ballot not yet open", () => vote("later", "anna", "a"), "ballot-closed"],
    ["a choice that is not an option", () => vote("motion", "carl", "maybe"), "bad-choice"],
    ["a voter not on the roll", () => vote("motion", "zed", "yes"), "not-eligible"],
    ["a second vote by the same voter", () => vote("motion", "anna", "no"), "already-voted"],
  ];
  for (const [what, make, reason] of refusals)
    it(`refuses ${what} with ${reason}, committing nothing`, async () => {
      const size = gateway.ledger.size;
      expect(await answer(make())).toMatchObject({ t: "nack", reason });
      expect(gateway.ledger.size).toBe(size);
      expect(gateway.rejects.counts()[reason as "no-ballot"]).toBeGreaterThan(0);
    });

  it("two votes of one voter in the same scan cycle: the first counts, the second is already-voted", async () => {
    const first = vote("motion", "carl", "yes");
    const second = vote("motion", "carl", "no");
    await kiosk.publish(first);
    await kiosk.publish(second);
    const [a, b] = await Promise.all([kiosk.answer(kiosk.seq - 1), kiosk.answer(kiosk.seq)]);
    expect(a.t).toBe("ack");
    expect(b).toMatchObject({ t: "nack", reason: "already-voted" });
  });
});

describe("rule 9: readings", () => {
  const reading = (seq: number, count: number, d: number, from: number): Uint8Array =>
    meter.sign({ t: "reading", ch: 0, count, d, imp: 1000, from, to: from + 60 }, seq);

  it("a count below that of a reading with a lower seq is counter-regressed; a late reading that fits is accepted", async () => {
    const t0 = now() - 600;
    for (const [seq, count, d, from] of [
      [10, 100, 100, t0],
      [12, 300, 100, t0 + 120],
    ] as const) {
      await meter.publish(reading(seq, count, d, from), "reading");
      expect(await meter.answer(seq)).toMatchObject({ t: "ack" });
    }
    await meter.publish(reading(13, 250, 10, t0 + 180), "reading");
    expect(await meter.answer(13)).toMatchObject({ t: "nack", reason: "counter-regressed" });
    await meter.publish(reading(11, 350, 100, t0 + 60), "reading");
    expect(await meter.answer(11)).toMatchObject({ t: "nack", reason: "counter-regressed" });
    await meter.publish(reading(11, 200, 100, t0 + 60), "reading");
    expect(await meter.answer(11, 2)).toMatchObject({ t: "ack" });
    const energy = await api(gateway, `/api/energy?site=test-site&bucket=1d&from=${t0 - 86400}&to=${t0 + 86400}&dev=meter-rule9`);
    expect(energy.total).toEqual({ wh: 300, estimated: false });
  });
});

describe("devices, rejects and energy through the read and admin APIs", () => {
  it("lists device health without secrets, publicly and for administrators", async () => {
    const { devices } = await api(gateway, "/api/devices");
    const kioskView = devices.find((d: { id: string }) => d.id === "kiosk-rule9");
    expect(kioskView).toMatchObject({ id: "kiosk-rule9", site: "test-site", alg: "EdDSA", status: "active", outbox: null, fw: null });
    expect(JSON.stringify(devices)).not.toMatch(/password|hash|pub/);
    const admin = await adminCall(gateway, "GET", "/admin/devices/health");
    expect(admin.json.devices.map((d: { id: string }) => d.id).sort()).toEqual(["kiosk-rule9", "meter-rule9"]);
  });

  it("shows rejects by reason without the message bytes, and one reason's rejects to administrators", async () => {
    const rejects = await api(gateway, "/api/rejects");
    expect(rejects.counts["not-eligible"]).toBe(1);
    expect(rejects.recent[0]).toEqual({ reason: expect.any(String), topic: expect.any(String), at: expect.any(Number), detail: expect.any(String) });
    const one = await adminCall(gateway, "GET", "/admin/rejects/already-voted?limit=5");
    expect(one.json).toMatchObject({ reason: "already-voted", count: 2 });
    expect(one.json.recent.every((r: { reason: string }) => r.reason === "already-voted")).toBe(true);
    const bad = await adminCall(gateway, "GET", "/admin/rejects/sleepy");
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/^params.reason: must be equal to one of the allowed values/);
  });

  it("refuses energy parameters that make no sense, naming them", async () => {
    const get = async (query: string) => {
      const r = await fetch(`${gateway.httpUrl}/api/energy?${query}`);
      return { status: r.status, error: ((await r.json()) as { error?: string }).error };
    };
    expect(await get("site=test-site&bucket=5m")).toMatchObject({ status: 400, error: expect.stringMatching(/^querystring.bucket: must be equal to one of the allowed values/) });
    expect(await get("site=test-site&from=200&to=100")).toMatchObject({ status: 400, error: expect.stringMatching(/^from: must be before to/) });
    expect(await get("site=elsewhere")).toMatchObject({ status: 404, error: expect.stringMatching(/^site: this gateway serves site "test-site"/) });
    expect(await get("site=test-site&bucket=15m&from=0&to=99999999")).toMatchObject({ status: 400, error: expect.stringMatching(/^bucket: /) });
    expect(await get("bucket=1h")).toMatchObject({ status: 400, error: expect.stringMatching(/site/) });
  });
});

describe("the tally at close", () => {
  it("closes on schedule, refuses later votes as ballot-closed, and commits a signed tally equal to tally() over the committed votes", async () => {
    const result = await until(async () => (await api(gateway, "/api/ballots/motion")).result ?? undefined, 20_000, "the tally");
    expect(await answer(vote("motion", "dora", "yes"))).toMatchObject({ t: "nack", reason: "ballot-closed" });
    expect(result).toMatchObject({ counts: { yes: 130, no: 50 }, turnout: 180, eligible: 200, quorum: "met", outcome: "adopted" });
    expect(result.explanation).toMatch(/^Threshold: "Yes" needed at least 2\/3 of the weight cast \(180\) and has 130, so it is adopted/);

    const entry = decodeEntry(gateway.ledger.entry(result.leaf));
    expect(entry.k).toBe("tally");
    const sign1 = decodeSign1(entry.cose);
    verifySign1(sign1, gateway.key.publicKey, -8);
    const record = parsePayload(sign1.payload, ["tally"]);
    expect(record).toMatchObject({ ballot: "motion", rev: 1, size: result.size, outcome: "adopted" });

    const votes = [];
    for (let i = 0; i < gateway.ledger.size; i++) {
      const e = decodeEntry(gateway.ledger.entry(i));
      if (e.k !== "msg") continue;
      const p = parsePayload(decodeSign1(e.cose).payload);
      if (p.t === "vote" && (p as Vote).ballot === "motion") votes.push({ leaf: i, voter: (p as Vote).voter, choice: (p as Vote).choice });
    }
    const ballot = gateway.ballots.view("motion")!;
    const roll = new Map([["anna", 100], ["ben", 50], ["carl", 30], ["dora", 20]]);
    const again = tally(ballot, roll, votes, record.size);
    expect({ counts: again.counts, turnout: again.turnout, eligible: again.eligible, quorum: again.quorum, outcome: again.outcome }).toEqual({
      counts: record.counts,
      turnout: record.turnout,
      eligible: record.eligible,
      quorum: record.quorum,
      outcome: record.outcome,
    });
    expect((await api(gateway, "/api/summary")).ballotsOpen).toBe(0);
  });

  it("a restarted gateway shows the same result, and the closed ballot stays closed", async () => {
    const before = await api(gateway, "/api/ballots/motion");
    await kiosk.close();
    await meter.close();
    gateway = await gateway.restart();
    expect(await api(gateway, "/api/ballots/motion")).toEqual(before);
    await kiosk.connect(gateway.mqttUrl, gateway.key.publicKey);
    await meter.connect(gateway.mqttUrl, gateway.key.publicKey);
    expect(await answer(vote("motion", "dora", "yes"))).toMatchObject({ t: "nack", reason: "ballot-closed" });
    const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/signet_rejects_total\{reason="ballot-closed"\} [1-9]/);
    expect(metrics).toMatch(/signet_messages_total\{type="vote",outcome="ballot-closed"\} 1/);
    expect(metrics).toMatch(/signet_broker_clients [1-9]/);
    expect(metrics).toMatch(/signet_ballots\{status="closed"\} 1/);
  });
});
