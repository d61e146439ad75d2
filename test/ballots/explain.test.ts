// The sentence under each result: the rule in words and why this outcome.
import { describe, expect, it } from "vitest";
import { explainResult } from "../../gateway/ballots/explain.ts";

const options = [
  { id: "yes", label: "Yes" },
  { id: "no", label: "No" },
];

describe("explainResult", () => {
  it("names the tied options of a plurality", () => {
    const text = explainResult({ options, rule: { kind: "plurality" }, quorum: { num: 0, den: 1 } }, { counts: { yes: 5, no: 5 }, turnout: 10, eligible: 20, quorum: "met", outcome: "tie" });
    expect(text).toBe('Plurality (the option with the most weight wins): "Yes" and "No" tied at 5 of 10 cast, and no quorum was required.');
  });

  it("says why a threshold on the eligible weight rejects", () => {
    const text = explainResult(
      { options, rule: { kind: "threshold", option: "yes", num: 1, den: 2, base: "eligible" }, quorum: { num: 1, den: 4 } },
      { counts: { yes: 40, no: 0 }, turnout: 40, eligible: 100, quorum: "met", outcome: "rejected" },
    );
    expect(text).toBe('Threshold: "Yes" needed at least 1/2 of the eligible weight (100) but has 40, so it is rejected; the quorum of 1/4 of 100 eligible weight was met with 40 cast.');
  });

  it("says a threshold needs more than no weight at all", () => {
    const text = explainResult(
      { options, rule: { kind: "threshold", option: "yes", num: 1, den: 1, base: "cast" }, quorum: { num: 0, den: 1 } },
      { counts: { yes: 0, no: 0 }, turnout: 0, eligible: 10, quorum: "met", outcome: "rejected" },
    );
    expect(text).toContain("and more than none but has 0, so it is rejected");
  });
});
