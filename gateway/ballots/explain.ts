// One plain sentence that says what a ballot's rule is and why the tally
// came out as it did, for the dashboard and `signet ballot tally`.
import type { Ballot } from "../../firmware/protocol/index.ts";

interface Outcome {
  readonly counts: { readonly [option: string]: number };
  readonly turnout: number;
  readonly eligible: number;
  readonly quorum: "met" | "missed";
  readonly outcome: string;
}

function fraction(f: { num: number; den: number }): string {
  return f.num === 0 ? "no minimum" : f.num === f.den ? "all" : `${f.num}/${f.den}`;
}

export function explainResult(ballot: Pick<Ballot, "options" | "rule" | "quorum">, r: Outcome): string {
  const label = (id: string) => ballot.options.find((o) => o.id === id)?.label ?? id;
  const quorum =
    ballot.quorum.num === 0
      ? "no quorum was required"
      : `the quorum of ${fraction(ballot.quorum)} of ${r.eligible} eligible weight was ${r.quorum} with ${r.turnout} cast`;
  if (r.outcome === "no-quorum") return `No result: ${quorum}, so the votes decide nothing.`;
  if (ballot.rule.kind === "plurality") {
    if (r.outcome === "tie") {
      const best = Math.max(...Object.values(r.counts));
      const tied = ballot.options.filter((o) => r.counts[o.id] === best).map((o) => `"${o.label}"`);
      return `Plurality (the option with the most weight wins): ${tied.join(" and ")} tied at ${best} of ${r.turnout} cast, and ${quorum}.`;
    }
    return `Plurality (the option with the most weight wins): "${label(r.outcome)}" has ${r.counts[r.outcome]} of ${r.turnout} cast, more than any other option, and ${quorum}.`;
  }
  const { option, num, den, base } = ballot.rule;
  const baseWeight = base === "cast" ? r.turnout : r.eligible;
  const need = `${num}/${den} of the ${base === "cast" ? "weight cast" : "eligible weight"} (${baseWeight})`;
  const got = r.counts[option] ?? 0;
  return r.outcome === "adopted"
    ? `Threshold: "${label(option)}" needed at least ${need} and has ${got}, so it is adopted; ${quorum}.`
    : `Threshold: "${label(option)}" needed at least ${need}${got === 0 ? " and more than none" : ""} but has ${got}, so it is rejected; ${quorum}.`;
}
