// A general meeting end to end: simulated kiosks (the real firmware on
// emulated hardware) enrolled with the real gateway, weighted rolls imported
// through the admin API, three ballots signed by an administrator — plurality
// with its quorum met, a two-thirds threshold, and one whose quorum is missed
// — voters voting on the kiosks, a second vote refused as already-voted, the
// tallies committed at close, a vote after the close refused as
// ballot-closed on the kiosk's screen, and every tally recounted by an
// auditor from the log alone.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScenario } from "../../simulator/runner/run";
import { parseScenario } from "../../simulator/scenario/parse";
import { adminGateway, adminKey, api, importRoll, publishBallot, removeDataDir, signBallot, until, type TestGateway } from "../ballots/setup.ts";
import { audit } from "../../tools/recount.ts";

const SIGNET = new URL("../../bin/signet.js", import.meta.url).pathname;
const clerk = adminKey("clerk.example.org/town-hall", -8, new Uint8Array(32).fill(9));
let gateway: TestGateway;

interface Meeting {
  readonly ballot: string;
  readonly roll: Record<string, number>;
  readonly rule: { kind: "plurality" } | { kind: "threshold"; option: string; num: number; den: number; base: "cast" | "eligible" };
  readonly quorum: { num: number; den: number };
  /** Voter → option number (1 yes, 2 no, 3 abstain), each on a kiosk of their own. */
  readonly votes: Record<string, 1 | 2 | 3>;
  /** A voter who tries again on another kiosk. */
  readonly again?: string;
}

/** One window for the three ballots, so every kiosk lists them in one order (by opens, then id). */
let opens = 0;
let closes = 0;
const CLOSES_AFTER_S = 45;
const digitOf = (ballot: string) => ballot.slice(-1);

function scenario(m: Meeting, seed: string): string {
  const kiosks = Object.entries(m.votes).map(([voter, option], i) => ({ id: `k-${seed}-${i + 1}`, voter, option, number: i + 1 }));
  const devices = kiosks.map((k) => `  - { id: ${k.id}, key: software, fingerprint: false, voters: [{ number: ${k.number}, id: ${k.voter}, pin: "1234" }] }`);
  const steps = kiosks.flatMap((k) => [`  - { device: ${k.id}, keys: "#${k.number}#1234#${digitOf(m.ballot)}" }`, `  - { device: ${k.id}, press: opt${k.option} }`, `  - { device: ${k.id}, press: confirm }`]);
  steps.push("  - wait: 3s", ...kiosks.map((k) => `  - { device: ${k.id}, expect: { receipt: true, acked: { type: vote, count: 1 } } }`));
  if (m.again) {
    devices.push(`  - { id: k-${seed}-again, key: software, fingerprint: false, voters: [{ number: 9, id: ${m.again}, pin: "9999" }] }`);
    steps.push(
      `  - { device: k-${seed}-again, keys: "#9#9999#${digitOf(m.ballot)}" }`,
      `  - { device: k-${seed}-again, press: opt2 }`,
      `  - { device: k-${seed}-again, press: confirm }`,
      "  - wait: 3s",
      `  - { device: k-${seed}-again, expect: { nacked: already-voted, shown: "You have already voted in this ballot.", outbox: 0 } }`,
    );
  }
  return `name: ${m.ballot}
seed: ${seed}
site: town-hall
ballots:
  - { id: ${m.ballot}, title: "${m.ballot}", options: [yes, no, abstain], opens: -1m, closes: ${CLOSES_AFTER_S}s, roll: ${m.ballot}-roll }
devices:
${devices.join("\n")}
steps:
${steps.join("\n")}
`;
}

/** The meeting's roll with its weights, and its ballot as the administrator signs it: rule, quorum, window. */
async function prepare(m: Meeting): Promise<void> {
  const roll = Object.entries(m.roll).sort(([a], [b]) => (a < b ? -1 : 1));
  expect((await importRoll(gateway, `${m.ballot}-roll`, `voter,weight\n${roll.map(([v, w]) => `${v},${w}\n`).join("")}`)).status).toBe(201);
  const options = [
    { id: "yes", label: "Yes" },
    { id: "no", label: "No" },
    { id: "abstain", label: "Abstain" },
  ];
  const r = await publishBallot(gateway, signBallot(clerk, { id: m.ballot, rev: 1, title: m.ballot, options, opens, closes, rule: m.rule, quorum: m.quorum, roll: `${m.ballot}-roll` }));
  if (r.status !== 201) throw new Error(`ballot refused: ${r.json.error}`);
}

async function meet(m: Meeting, seed: string) {
  // The ballots are committed and retained on the broker already (beforeAll): the runs publish nothing.
  return runScenario(parseScenario(scenario(m, seed), `${seed}.yaml`), {
    broker: gateway.mqttUrl,
    gateway: { url: gateway.httpUrl, token: gateway.token, adminKey: clerk, publishBallot: async () => {} },
    speed: 1,
  });
}

const weighted: Meeting = {
  ballot: "agm.item-1",
  roll: { "a-1": 50, "a-2": 30, "a-3": 15, "a-4": 5, "a-5": 10 },
  rule: { kind: "plurality" },
  quorum: { num: 1, den: 2 },
  votes: { "a-1": 1, "a-2": 2, "a-3": 2, "a-4": 3 },
  again: "a-1",
};
const threshold: Meeting = {
  ballot: "agm.item-2",
  roll: { "b-1": 50, "b-2": 30, "b-3": 15 },
  rule: { kind: "threshold", option: "yes", num: 2, den: 3, base: "cast" },
  quorum: { num: 1, den: 2 },
  votes: { "b-1": 1, "b-2": 1, "b-3": 2 },
};
const thin: Meeting = {
  ballot: "agm.item-3",
  roll: { "c-1": 50, "c-2": 30, "c-3": 20 },
  rule: { kind: "plurality" },
  quorum: { num: 9, den: 10 },
  votes: { "c-1": 1 },
};

beforeAll(async () => {
  gateway = await adminGateway([clerk], { site: "town-hall" });
  // Opened ten minutes ago, so the late voter's kiosk, its clock wound back five minutes, still offers the ballot.
  opens = Math.floor(Date.now() / 1000) - 600;
  closes = opens + 600 + CLOSES_AFTER_S;
  for (const m of [weighted, threshold, thin]) await prepare(m);
});

afterAll(async () => {
  await gateway?.stop();
  if (gateway) removeDataDir(gateway);
});

describe("a general meeting on simulated kiosks against the real gateway", () => {
  it("voters vote on their kiosks; a second vote is refused as already-voted and the kiosk says so", async () => {
    const results = await Promise.all([meet(weighted, "w"), meet(threshold, "t"), meet(thin, "q")]);
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    }
    const live = await api(gateway, "/api/ballots/agm.item-1");
    expect(live).toMatchObject({ status: "open", turnout: 100, eligible: 110, votes: 4, result: null });
  }, 90_000);

  it("at close the gateway commits the tallies: weighted plurality, threshold adopted, quorum missed", async () => {
    const results = await until(async () => {
      const { ballots } = await api(gateway, "/api/ballots");
      return ballots.every((b: { result: unknown }) => b.result !== null) ? ballots : undefined;
    }, 60_000, "every tally");
    const byId = Object.fromEntries(results.map((b: { id: string }) => [b.id, b]));
    // By head count "no" would win 2 to 1; by weight "yes" does.
    expect(byId["agm.item-1"].result).toMatchObject({ counts: { yes: 50, no: 45, abstain: 5 }, turnout: 100, eligible: 110, quorum: "met", outcome: "yes" });
    expect(byId["agm.item-2"].result).toMatchObject({ counts: { yes: 80, no: 15, abstain: 0 }, turnout: 95, eligible: 95, quorum: "met", outcome: "adopted" });
    expect(byId["agm.item-3"].result).toMatchObject({ counts: { yes: 50, no: 0, abstain: 0 }, turnout: 50, eligible: 100, quorum: "missed", outcome: "no-quorum" });
    expect(byId["agm.item-3"].result.explanation).toMatch(/^No result: the quorum of 9\/10 of 100 eligible weight was missed with 50 cast/);
    expect(byId["agm.item-1"].status).toBe("closed");
  }, 70_000);

  it("a vote after the close (the kiosk's clock wound back, so it still offers the ballot) is refused and the kiosk shows why", async () => {
    const late = `name: late vote
seed: late
site: town-hall
ballots:
  - { id: agm.item-1, title: "agm.item-1", options: [yes, no, abstain], opens: -10m, closes: -1s, roll: agm.item-1-roll }
devices:
  - { id: k-late, key: software, fingerprint: false, voters: [{ number: 5, id: a-5, pin: "5555" }] }
steps:
  - wait: 3s
  - { device: k-late, clock: -5m }
  - { device: k-late, keys: "#5#5555#1" }
  - { device: k-late, press: opt1 }
  - { device: k-late, press: confirm }
  - wait: 3s
  - { device: k-late, expect: { nacked: ballot-closed, shown: "This ballot is closed." } }
`;
    // The ballot is already committed and retained on the broker: nothing to publish.
    const r = await runScenario(parseScenario(late, "late.yaml"), { broker: gateway.mqttUrl, gateway: { url: gateway.httpUrl, token: gateway.token, adminKey: clerk, publishBallot: async () => {} }, speed: 1 });
    expect(r.error).toBeUndefined();
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect((await api(gateway, "/api/ballots/agm.item-1")).result.turnout).toBe(100);
  }, 60_000);

  it("an auditor recounts every tally from the log's vote entries, checking every signature with the log's own keys, and finds the gateway's", async () => {
    const audited = await audit(gateway.httpUrl, gateway.key.publicKey);
    expect(audited.map((a) => a.record.ballot).sort()).toEqual(["agm.item-1", "agm.item-2", "agm.item-3"]);
    for (const { record, recount } of audited) {
      expect(recount).toEqual({ counts: record.counts, turnout: record.turnout, eligible: record.eligible, quorum: record.quorum, outcome: record.outcome });
    }
    // The same recount at the command line, with the gateway's key pinned.
    const { stdout } = await promisify(execFile)(process.execPath, [SIGNET, "ballot", "tally", "--gateway", gateway.httpUrl, "agm.item-2", "--recount", "--key", gateway.key.verifierKey]);
    expect(stdout).toMatch(/^recounted agm.item-2 from the log \(every signature checked\): .*\nequal to the gateway's signed tally at leaf \d+\n$/);
  });
});
