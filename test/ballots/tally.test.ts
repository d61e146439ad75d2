import { describe, expect, it } from "vitest";
import { tally, type CommittedVote } from "../../gateway/ballots/tally.ts";
import type { Ballot } from "../../firmware/protocol/index.ts";

const options = [
  { id: "yes", label: "Yes" },
  { id: "no", label: "No" },
  { id: "abstain", label: "Abstain" },
];
const plurality: Pick<Ballot, "options" | "rule" | "quorum"> = { options, rule: { kind: "plurality" }, quorum: { num: 1, den: 2 } };
const twoThirds: Pick<Ballot, "options" | "rule" | "quorum"> = { options, rule: { kind: "threshold", option: "yes", num: 2, den: 3, base: "cast" }, quorum: { num: 0, den: 1 } };
const roll = new Map([
  ["anna", 100],
  ["ben", 50],
  ["carl", 30],
  ["dora", 20],
]);
let leaf = 10;
const v = (voter: string, choice: string): CommittedVote => ({ leaf: leaf++, voter, choice });

describe("tally (PROTOCOL §4.6)", () => {
  it("counts each voter's weight for the option with the greatest weight", () => {
    const r = tally(plurality, roll, [v("anna", "yes"), v("ben", "no"), v("carl", "no")], 1000);
    expect(r.counts).toEqual({ yes: 100, no: 80, abstain: 0 });
    expect(r).toMatchObject({ turnout: 180, eligible: 200, quorum: "met", outcome: "yes" });
  });

  it("reports a tie when two options share the greatest weight", () => {
    expect(tally(plurality, roll, [v("anna", "yes"), v("ben", "no"), v("carl", "no"), v("dora", "no")], 1000).outcome).toBe("tie");
  });

  it("misses the quorum when turnout·den < eligible·num, whatever the votes", () => {
    const r = tally(plurality, roll, [v("dora", "yes"), v("carl", "yes")], 1000);
    expect(r).toMatchObject({ turnout: 50, quorum: "missed", outcome: "no-quorum" });
    // exactly half is met (≥)
    expect(tally(plurality, roll, [v("anna", "no")], 1000).quorum).toBe("met");
  });

  it("counts only the first committed vote of a voter", () => {
    const first = v("ben", "no");
    const second = v("ben", "yes");
    const r = tally(plurality, roll, [second, first], 1000);
    expect(r.counts).toMatchObject({ yes: 0, no: 50 });
    expect(r.counted).toEqual([first.leaf]);
  });

  it("ignores votes at or after the closing size and voters not on the roll", () => {
    const inside = v("anna", "yes");
    const late = v("ben", "no");
    const stranger = v("eve", "no");
    const r = tally(plurality, roll, [inside, late, stranger], late.leaf);
    expect(r.counts).toMatchObject({ yes: 100, no: 0 });
  });

  it("counts abstentions as cast: they raise the bar of a threshold on cast votes", () => {
    // yes 100 of cast 200 (with 50 abstaining + 50 no): 100·3 ≥ 200·2? no → rejected
    expect(tally(twoThirds, roll, [v("anna", "yes"), v("ben", "abstain"), v("carl", "no"), v("dora", "no")], 1000).outcome).toBe("rejected");
    // yes 100 of cast 150: 300 ≥ 300 → adopted
    expect(tally(twoThirds, roll, [v("anna", "yes"), v("ben", "abstain")], 1000).outcome).toBe("adopted");
  });

  it("measures a threshold on the eligible weight when asked", () => {
    const onEligible = { ...twoThirds, rule: { ...twoThirds.rule, base: "eligible" as const } };
    expect(tally(onEligible, roll, [v("anna", "yes"), v("ben", "yes")], 1000).outcome).toBe("adopted"); // 150·3 ≥ 200·2
    expect(tally(onEligible, roll, [v("anna", "yes"), v("carl", "yes")], 1000).outcome).toBe("rejected"); // 130·3 < 400
  });

  it("never adopts with zero weight, even at a zero threshold base", () => {
    expect(tally(twoThirds, roll, [], 1000)).toMatchObject({ turnout: 0, outcome: "rejected" });
  });

  it("stays exact with weights near 2^53", () => {
    const big = new Map([["whale", 2 ** 52], ["minnow", 1]]);
    const r = tally({ ...twoThirds, rule: { kind: "threshold", option: "yes", num: 999999, den: 1000000, base: "eligible" } }, big, [v("whale", "yes")], 1000);
    // 2^52 · 10^6 ≥ (2^52 + 1) · 999999 holds exactly
    expect(r.outcome).toBe("adopted");
  });
});
