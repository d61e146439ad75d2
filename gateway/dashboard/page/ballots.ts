// Ballots: scheduled, open with live turnout, closed with the result and the
// rule that produced it (PROTOCOL §4.5, tally rules of §4.6).
import type { BallotRule, Fraction } from "../../../firmware/protocol/index.ts";
import type { BallotView } from "./contract.ts";
import { el, formatNumber, formatTime, show } from "./elements.ts";

const OUTCOME_WORDS: { readonly [outcome: string]: string } = {
  tie: "Tie",
  "no-quorum": "No quorum",
  adopted: "Adopted",
  rejected: "Rejected",
};

export function renderBallots(container: Element, ballots: readonly BallotView[]): void {
  if (ballots.length === 0) {
    show(container, el("p", { class: "empty" }, "No ballot has been published to this gateway yet."));
    return;
  }
  // Open first, then scheduled, then closed; newest window first within each.
  const order = { open: 0, scheduled: 1, closed: 2 } as const;
  const sorted = [...ballots].sort((a, b) => order[a.status] - order[b.status] || b.opens - a.opens);
  show(container, ...sorted.map(ballotCard));
}

function ballotCard(ballot: BallotView): HTMLElement {
  const label = (id: string) => ballot.options.find((o) => o.id === id)?.label ?? id;
  const card = el(
    "article",
    { class: `ballot ${ballot.status}`, "data-ballot": ballot.id, "data-status": ballot.status },
    el("header", {}, el("h3", {}, ballot.title), el("span", { class: `badge ${ballot.status}` }, ballot.status)),
    el("p", { class: "meta" }, `${ballot.id} · revision ${ballot.rev} · roll ${ballot.roll} · ${formatTime(ballot.opens)} → ${formatTime(ballot.closes)}`),
  );
  if (ballot.status === "scheduled") {
    card.append(el("p", {}, `Opens ${formatTime(ballot.opens)}. Options: ${ballot.options.map((o) => o.label).join(", ")}.`));
  }
  if (ballot.status === "open" || (ballot.status === "closed" && ballot.result === null)) {
    card.append(turnoutBar(ballot.turnout, ballot.eligible, ballot.quorum), el("p", { class: "turnout", "data-testid": "turnout" }, turnoutText(ballot)));
    card.append(el("p", { class: "note" }, ballot.status === "open" ? "Results are shown when the ballot closes." : "Closed: the tally is being committed."));
  }
  if (ballot.result !== null) {
    const result = ballot.result;
    const outcome = OUTCOME_WORDS[result.outcome] ?? label(result.outcome);
    card.append(
      el("p", { class: `outcome ${result.outcome}`, "data-testid": "outcome" }, "Outcome: ", el("strong", {}, outcome)),
      resultBars(ballot),
      el(
        "p",
        { class: "turnout", "data-testid": "turnout" },
        `Turnout ${formatNumber(result.turnout)} of ${formatNumber(result.eligible)} eligible (${percent(result.turnout, result.eligible)}); quorum ${result.quorum}.`,
      ),
    );
  }
  card.append(
    el(
      "div",
      { class: "rule", "data-testid": "rule" },
      el("p", {}, el("strong", {}, "Rule: "), ruleText(ballot.rule, label)),
      el("p", {}, el("strong", {}, "Quorum: "), quorumText(ballot.quorum)),
      ballot.result !== null ? el("p", { "data-testid": "explanation" }, el("strong", {}, "Why: "), ballot.result.explanation) : null,
      ballot.result !== null
        ? el("p", { class: "note" }, `Tally entry ${ballot.result.leaf} of the log counts the votes committed below log size ${ballot.result.size}; anyone can recompute it from the log.`)
        : null,
    ),
  );
  return card;
}

function turnoutText(ballot: BallotView): string {
  return `Turnout ${formatNumber(ballot.turnout)} of ${formatNumber(ballot.eligible)} eligible (${percent(ballot.turnout, ballot.eligible)}) · ${ballot.votes} ${ballot.votes === 1 ? "vote" : "votes"} counted`;
}

function turnoutBar(turnout: number, eligible: number, quorum: Fraction): HTMLElement {
  const width = eligible > 0 ? Math.min(100, (100 * turnout) / eligible) : 0;
  const mark = quorum.den > 0 ? (100 * quorum.num) / quorum.den : 0;
  return el(
    "div",
    { class: "meter", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": eligible, "aria-valuenow": turnout, title: `quorum at ${formatNumber(mark)} %` },
    el("div", { class: "fill", style: `width: ${width}%` }),
    quorum.num > 0 ? el("div", { class: "quorum-mark", style: `left: ${mark}%` }) : null,
  );
}

function resultBars(ballot: BallotView): HTMLElement {
  const result = ballot.result!;
  const most = Math.max(0, ...Object.values(result.counts));
  return el(
    "table",
    { class: "results", "data-testid": "results" },
    el(
      "tbody",
      {},
      ...ballot.options.map((option) => {
        const count = result.counts[option.id] ?? 0;
        return el(
          "tr",
          { "data-option": option.id, class: count === most && count > 0 ? "leading" : undefined },
          el("th", {}, option.label),
          el("td", { class: "bar" }, el("div", { class: "fill", style: `width: ${most > 0 ? (100 * count) / most : 0}%` })),
          el("td", { class: "count" }, formatNumber(count)),
          el("td", { class: "share" }, percent(count, result.turnout)),
        );
      }),
    ),
  );
}

/** The rule in words (PROTOCOL §4.6 tally rules). */
export function ruleText(rule: BallotRule, label: (id: string) => string): string {
  if (rule.kind === "plurality") return "Plurality: the option with the greatest counted weight wins; equal greatest weights are a tie.";
  const base = rule.base === "cast" ? "of the weight cast (abstentions count as cast)" : "of the whole eligible weight";
  return `Threshold: “${label(rule.option)}” is adopted when it has at least ${rule.num}/${rule.den} ${base}; otherwise the motion is rejected.`;
}

export function quorumText(quorum: Fraction): string {
  if (quorum.num === 0) return "none: any turnout counts.";
  return `a turnout of at least ${quorum.num}/${quorum.den} of the eligible weight; below it the outcome is “no quorum”.`;
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${formatNumber((100 * part) / whole)} %` : "—";
}
