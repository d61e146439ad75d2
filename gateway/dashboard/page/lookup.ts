// The voter's receipt lookup and the auditor's pinned verifier key. The
// answer of /log/receipt/{code} is verified here, in the browser
// (../receipt.ts); the key it is verified against is the one the user pinned,
// or else the one this gateway serves, and the page says which.
import { normalizeReceiptCode } from "../../../firmware/protocol/index.ts";
import { parseVerifierKey } from "../../ledger/checkpoint.ts";
import { verifyGrowth, verifyReceipt, type Check, type MatchVerdict, type ReceiptVerdict, type SeenCheckpoint } from "../receipt.ts";
import { HttpError, type BallotView } from "./contract.ts";
import { el, formatTime, show } from "./elements.ts";

const PIN_STORAGE = "signet.pinnedVerifierKey";
/** Per log origin, the largest checkpoint this browser verified: `signet.seenCheckpoint:<origin>`. */
const SEEN_STORAGE = "signet.seenCheckpoint:";

export interface LookupElements {
  readonly form: HTMLFormElement;
  readonly code: HTMLInputElement;
  readonly result: HTMLElement;
  readonly servedKey: HTMLElement;
  readonly keyStatus: HTMLElement;
  readonly pinForm: HTMLFormElement;
  readonly pinInput: HTMLTextAreaElement;
  readonly unpin: HTMLButtonElement;
}

export class ReceiptLookup {
  readonly #ui: LookupElements;
  readonly #ballots: () => readonly BallotView[];
  #served: string | null = null;

  constructor(ui: LookupElements, ballots: () => readonly BallotView[]) {
    this.#ui = ui;
    this.#ballots = ballots;
    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.lookUp(ui.code.value);
    });
    ui.pinForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#pin(ui.pinInput.value.trim());
    });
    ui.unpin.addEventListener("click", () => {
      localStorage.removeItem(PIN_STORAGE);
      this.#showKeys();
    });
  }

  /** The key this gateway serves at /log/key (shown; used only while nothing is pinned). */
  async loadServedKey(): Promise<void> {
    const response = await fetch("/log/key", { cache: "no-store" });
    if (!response.ok) throw new HttpError(response.status, `/log/key: ${response.status}`);
    this.#served = (await response.text()).trim();
    this.#showKeys();
  }

  get pinned(): string | null {
    return localStorage.getItem(PIN_STORAGE);
  }

  async lookUp(input: string): Promise<void> {
    const { result } = this.#ui;
    const code = normalizeReceiptCode(input);
    if (code === null) {
      show(result, el("p", { class: "verdict error", "data-testid": "receipt-verdict", "data-verified": "false" }, `“${input.trim()}” is not a receipt code: 8 letters A–Z and digits 2–7, as ABCD-EFGH.`));
      return;
    }
    const key = this.pinned ?? this.#served;
    if (key === null) {
      show(result, el("p", { class: "verdict error", "data-testid": "receipt-verdict", "data-verified": "false" }, "No verifier key: the gateway's key could not be loaded and none is pinned."));
      return;
    }
    show(result, el("p", { class: "verdict pending" }, `Looking up ${code}…`));
    let answer: unknown;
    try {
      const response = await fetch(`/log/receipt/${code}`, { cache: "no-store" });
      if (response.status === 404) {
        show(
          result,
          el("p", { class: "verdict missing", "data-testid": "receipt-verdict", "data-verified": "false" }, `No entry has receipt code ${code} yet. A vote is found once a checkpoint covers it, within seconds of the kiosk showing the code.`),
        );
        return;
      }
      if (!response.ok) throw new HttpError(response.status, `the gateway answered ${response.status}`);
      answer = await response.json();
    } catch (e) {
      show(result, el("p", { class: "verdict error", "data-testid": "receipt-verdict", "data-verified": "false" }, `The lookup failed: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    const verdict = verifyReceipt(code, answer, key);
    this.#showVerdict(verdict, await this.#history(verdict), key === this.pinned);
  }

  /**
   * The log must only grow between two looks from this browser: the verified
   * checkpoint is checked against the largest one seen before (a consistency
   * proof when it is larger) and then remembered. Null when there is nothing
   * to compare (no verified checkpoint).
   */
  async #history(verdict: ReceiptVerdict): Promise<Check | null> {
    const { ok, origin, size, root } = verdict.checkpoint;
    if (!ok || origin === undefined || size === undefined || root === undefined) return null;
    const current: SeenCheckpoint = { size, root };
    const stored = localStorage.getItem(SEEN_STORAGE + origin);
    const seen = stored === null ? null : (JSON.parse(stored) as SeenCheckpoint);
    let growth: Check;
    if (seen === null) growth = { ok: true, detail: `the first checkpoint of this log this browser has seen (size ${size}); later lookups check that the log only grows from it` };
    else {
      let proof: string[] | null = null;
      if (size > seen.size) {
        const response = await fetch(`/log/proof/consistency?from=${seen.size}&to=${size}`, { cache: "no-store" });
        if (response.ok) proof = ((await response.json()) as { hashes?: string[] }).hashes ?? null;
      }
      growth = verifyGrowth(seen, current, proof);
    }
    if (growth.ok && (seen === null || size > seen.size)) localStorage.setItem(SEEN_STORAGE + origin, JSON.stringify(current));
    return growth;
  }

  #showVerdict(receipt: ReceiptVerdict, growth: Check | null, pinned: boolean): void {
    const verdict = { ...receipt, verified: receipt.verified && (growth?.ok ?? true) };
    const headline = verdict.verified
      ? el("p", { class: "verdict ok", "data-testid": "receipt-verdict", "data-verified": "true" }, "✔ Verified", el("span", {}, ` — receipt ${verdict.code} is in the log, checked by this browser`))
      : el("p", { class: "verdict bad", "data-testid": "receipt-verdict", "data-verified": "false", role: "alert" }, "✘ NOT verified", el("span", {}, ` — the gateway's answer for ${verdict.code} does not check out. Do not rely on it.`));
    show(
      this.#ui.result,
      headline,
      el(
        "ul",
        { class: "checks" },
        checkItem("Answer", verdict.answer),
        checkItem(`Checkpoint signature (${pinned ? "pinned key" : "key served by this gateway, not pinned"})`, verdict.checkpoint),
        growth === null ? null : checkItem("Log only grew since this browser last looked", growth),
      ),
      ...verdict.matches.map((m) => this.#matchCard(m)),
    );
  }

  #matchCard(match: MatchVerdict): HTMLElement {
    const content = match.content;
    const ballot = content?.ballot === undefined ? undefined : this.#ballots().find((b) => b.id === content.ballot);
    const choice = content?.choice === undefined ? undefined : (ballot?.options.find((o) => o.id === content.choice)?.label ?? content.choice);
    return el(
      "div",
      { class: `match ${match.verified ? "ok" : "bad"}`, "data-testid": "receipt-match", "data-index": match.index },
      content === null
        ? el("p", {}, `Entry ${match.index} cannot be read: ${match.contentError ?? "unknown"}`)
        : content.type === "vote"
          ? el(
              "dl",
              {},
              el("dt", {}, "Ballot"),
              el("dd", { "data-testid": "receipt-ballot" }, ballot ? `${ballot.title} (${content.ballot})` : content.ballot!),
              el("dt", {}, "Choice"),
              el("dd", { "data-testid": "receipt-choice" }, choice!),
              el("dt", {}, "Voter"),
              el("dd", {}, content.voter!),
              el("dt", {}, "Kiosk"),
              el("dd", {}, content.device!),
              el("dt", {}, "Received"),
              el("dd", {}, `${formatTime(content.at)} · log entry ${match.index}`),
            )
          : el("p", {}, `Log entry ${match.index}: a ${content.type ?? content.kind} by ${content.signer}, received ${formatTime(content.at)}. Not a vote.`),
      el("ul", { class: "checks" }, checkItem("Leaf hash carries the code", match.leaf), checkItem("Inclusion proof to the checkpoint's root", match.inclusion)),
    );
  }

  #pin(text: string): void {
    try {
      parseVerifierKey(text);
    } catch (e) {
      show(this.#ui.keyStatus, el("p", { class: "verdict bad" }, `Not pinned: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    localStorage.setItem(PIN_STORAGE, text);
    this.#ui.pinInput.value = "";
    this.#showKeys();
  }

  #showKeys(): void {
    const pinned = this.pinned;
    this.#ui.servedKey.textContent = this.#served ?? "(not loaded)";
    this.#ui.unpin.hidden = pinned === null;
    show(
      this.#ui.keyStatus,
      pinned === null
        ? el("p", { class: "note", "data-testid": "key-status" }, "No key pinned: receipts are checked against the key this gateway serves. An auditor pins the key published out of band.")
        : pinned === this.#served
          ? el("p", { class: "note ok", "data-testid": "key-status" }, "Pinned key (matches the key this gateway serves): ", el("code", {}, pinned))
          : el("p", { class: "verdict bad", "data-testid": "key-status", role: "alert" }, "Pinned key differs from the key this gateway serves; receipts are checked against the pinned one: ", el("code", {}, pinned)),
    );
  }
}

function checkItem(what: string, check: Check): HTMLElement {
  return el("li", { class: check.ok ? "ok" : "bad" }, el("span", { class: "mark" }, check.ok ? "✔" : "✘"), el("strong", {}, what), ": ", check.detail);
}
