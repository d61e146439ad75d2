// The tally rules of PROTOCOL §4.6, as one pure function: the gateway runs it
// at close, and an auditor runs the same on votes read from the log.
import type { Ballot } from "../../firmware/protocol/index.ts";

/** A committed vote, in log order (leaf index ascending). */
export interface CommittedVote {
  readonly leaf: number;
  readonly voter: string;
  readonly choice: string;
}

export interface TallyResult {
  /** Every option of the ballot → counted weight. */
  readonly counts: { [option: string]: number };
  readonly turnout: number;
  readonly eligible: number;
  readonly quorum: "met" | "missed";
  /** An option id, or `tie`, `no-quorum`, `adopted`, `rejected`. */
  readonly outcome: string;
  /** Leaf indexes of the votes that counted. */
  readonly counted: number[];
}

/**
 * Counts `votes` of `ballot` (its latest revision) with the weights of `roll`
 * (the revision committed last before `opens`): only votes with leaf < `size`,
 * the first committed vote of each voter, voters in the roll, choices among the options.
 */
export function tally(ballot: Pick<Ballot, "options" | "rule" | "quorum">, roll: ReadonlyMap<string, number>, votes: Iterable<CommittedVote>, size: number): TallyResult {
  const counts = Object.create(null) as { [option: string]: number };
  for (const option of ballot.options) counts[option.id] = 0;
  const seen = new Set<string>();
  const counted: number[] = [];
  let turnout = 0;
  const ordered = [...votes].sort((a, b) => a.leaf - b.leaf);
  for (const vote of ordered) {
    if (vote.leaf >= size || seen.has(vote.voter)) continue;
    seen.add(vote.voter);
    const weight = roll.get(vote.voter);
    if (weight === undefined || !(vote.choice in counts)) continue;
    counts[vote.choice] += weight;
    turnout += weight;
    counted.push(vote.leaf);
  }
  let eligible = 0;
  for (const weight of roll.values()) eligible += weight;

  // Products of weights and fractions can pass 2^53: compare in BigInt.
  const met = BigInt(turnout) * BigInt(ballot.quorum.den) >= BigInt(eligible) * BigInt(ballot.quorum.num);
  let outcome: string;
  if (!met) outcome = "no-quorum";
  else if (ballot.rule.kind === "plurality") {
    let best = -1;
    let winners: string[] = [];
    for (const option of ballot.options) {
      const w = counts[option.id];
      if (w > best) {
        best = w;
        winners = [option.id];
      } else if (w === best) winners.push(option.id);
    }
    outcome = winners.length === 1 ? winners[0] : "tie";
  } else {
    const { option, num, den, base } = ballot.rule;
    const weight = counts[option];
    const baseWeight = base === "cast" ? turnout : eligible;
    outcome = weight > 0 && BigInt(weight) * BigInt(den) >= BigInt(baseWeight) * BigInt(num) ? "adopted" : "rejected";
  }
  return { counts, turnout, eligible, quorum: met ? "met" : "missed", outcome, counted };
}
