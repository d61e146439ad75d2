// The voting session (DESIGN.md, Firmware): idle → authenticate (voter number
// + PIN, fingerprint, or both) → choose a ballot and an option → confirm →
// sign → queue → wait for the gateway's answer → receipt → idle. Every state
// and every transition is in this file: `#go` enters a state (screen, LEDs,
// step timer), and one switch per event says what each state does with it.
// CANCEL works in every state before signing; every step times out to idle.
import { wrap, type Display } from "../hal/display";
import type { Indicators } from "../hal/indicators";
import type { Timers, TimerHandle } from "../hal/timers";
import type { Fingerprint } from "../drivers/interfaces";
import type { AuthMethod, RejectReason } from "../protocol/index";
import type { BallotBook, KioskBallot } from "./ballots";
import { CANCEL, CONFIRM, optionIndexOfButton } from "./parts";
import { lockoutSeconds, PIN_PATTERN, type Voter, type VoterRoll } from "./voters";
import { refusalWords, seconds, WORDS } from "./words";

export type SessionState =
  | "idle"
  | "number"
  | "pin"
  | "finger"
  | "ballot"
  | "choose"
  | "confirm"
  | "signing"
  | "waiting"
  | "receipt"
  | "notice";

export type CastResult = { readonly seq: number; readonly flowing: boolean } | "full" | "failed";

export interface SessionHost {
  readonly display: Display;
  readonly indicators: Indicators;
  readonly timers: Timers;
  readonly voters: VoterRoll;
  readonly ballots: BallotBook;
  readonly fingerprint?: Fingerprint;
  auth(): AuthMethod;
  stepSeconds(): number;
  receiptSeconds(): number;
  /** Ballots open now (device clock, or all while never synchronised). */
  openBallots(): KioskBallot[];
  /** True when the outbox has a place for one more vote. */
  hasRoomForVote(): boolean;
  /** A line about the link for the idle screen ("" when all is well). */
  linkLine(): string;
  /** Signs the vote and queues it in the outbox. */
  castVote(ballot: string, choice: string, voter: string, auth: AuthMethod): Promise<CastResult>;
}

const NOTICE_MS = 5000;
const IDENTIFY_SLICE_MS = 2000;
const MAX_NUMBER_DIGITS = 3;
const MAX_PIN_DIGITS = 8;

export class VotingSession {
  #host: SessionHost;
  #state: SessionState = "idle";
  #timer: TimerHandle | undefined;
  /** Bumped on every state change, so a late fingerprint or signing result for an abandoned step is ignored. */
  #generation = 0;
  #digits = "";
  #hint = "";
  #voter: Voter | undefined;
  #fingerUsed = false;
  #ballots: KioskBallot[] = [];
  #ballot: KioskBallot | undefined;
  #choice = -1;
  #awaiting = 0;
  #screen: string[] = [];
  /** Voter number → monotonic ms until which PIN entry is locked. */
  #lockedUntil = new Map<number, number>();
  readonly #bootMs: number;

  constructor(host: SessionHost) {
    this.#host = host;
    this.#bootMs = host.timers.now();
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The seq of the vote this session waits an answer for (0 when none). */
  get awaiting(): number {
    return this.#awaiting;
  }

  start(): void {
    this.#go("idle");
  }

  stop(): void {
    this.#host.timers.clear(this.#timer);
    this.#timer = undefined;
    this.#generation++;
  }

  /** Redraws the idle screen after a ballot or link change. */
  refresh(): void {
    if (this.#state === "idle") this.#go("idle");
  }

  // ---- transitions ------------------------------------------------------

  #go(state: SessionState, screen?: string[], ms?: number): void {
    const { timers, indicators } = this.#host;
    timers.clear(this.#timer);
    this.#timer = undefined;
    this.#generation++;
    this.#state = state;
    const step = this.#host.stepSeconds() * 1000;
    switch (state) {
      case "idle": {
        this.#reset();
        const open = this.#host.openBallots();
        const link = this.#host.linkLine();
        this.#show(open.length === 0 ? [WORDS.welcome, WORDS.noBallot, "", link] : [open[0].title, open.length > 1 ? `+${open.length - 1} more ballot(s)` : "", WORDS.pressStart, link]);
        this.#leds("on", "off", "off", "off");
        return;
      }
      case "number":
        this.#show([WORDS.enterNumber, this.#digits, this.#hint]);
        break;
      case "pin":
        this.#show([`Voter ${this.#voter!.number}`, WORDS.enterPin, "*".repeat(this.#digits.length), this.#hint]);
        break;
      case "finger":
        this.#show(wrap(WORDS.placeFinger));
        this.#identify();
        break;
      case "ballot":
        this.#show([WORDS.chooseBallot, ...this.#ballots.slice(0, 3).map((b, i) => `${i + 1} ${b.title}`)]);
        break;
      case "choose":
        this.#show(this.#optionsScreen());
        break;
      case "confirm":
        this.#show([WORDS.youChose, this.#ballot!.options[this.#choice].label, "", WORDS.confirmOrCancel]);
        break;
      case "signing":
        this.#show(wrap(WORDS.signing));
        this.#leds("off", "on", "off", "off");
        return; // no timeout: the signature always ends
      case "waiting":
        this.#show(screen!);
        this.#leds("off", "on", "off", "off");
        this.#timer = timers.set(() => this.#timeout(), step);
        return;
      case "receipt":
        this.#show(screen!);
        this.#leds("off", "off", "on", "off");
        indicators.beep("ok");
        this.#timer = timers.set(() => this.#go("idle"), this.#host.receiptSeconds() * 1000);
        return;
      case "notice":
        this.#show(screen!);
        this.#timer = timers.set(() => this.#go("idle"), ms ?? NOTICE_MS);
        return;
    }
    this.#leds("on", "off", "off", "off"); // a voter at work: ready stays lit; busy blinks only while signing and sending
    this.#timer = timers.set(() => this.#timeout(), step);
  }

  #reset(): void {
    this.#digits = "";
    this.#hint = "";
    this.#voter = undefined;
    this.#fingerUsed = false;
    this.#ballots = [];
    this.#ballot = undefined;
    this.#choice = -1;
    this.#awaiting = 0;
  }

  #notice(text: string, error = true, ms = NOTICE_MS): void {
    this.#reset();
    if (error) {
      this.#host.indicators.beep("error");
      this.#go("notice", wrap(text), ms);
      this.#leds("off", "off", "off", "on");
    } else {
      this.#go("notice", wrap(text), ms);
      this.#leds("on", "off", "off", "off");
    }
  }

  #timeout(): void {
    if (this.#state === "waiting") return this.#notice(WORDS.receiptFollows, false);
    this.#notice(WORDS.timedOut);
  }

  // ---- events -----------------------------------------------------------

  key(label: string): void {
    this.#host.indicators.beep("key");
    const digit = label >= "0" && label <= "9" && label.length === 1;
    switch (this.#state) {
      case "idle":
        if (label === "#" || (digit && this.#host.auth() === "pin")) this.#begin(digit ? label : "");
        return;
      case "number":
        if (digit && this.#digits.length < MAX_NUMBER_DIGITS) this.#digits += label;
        else if (label === "*") this.#digits = this.#digits.slice(0, -1);
        else if (label === "#") return this.#numberEntered();
        this.#hint = "";
        return this.#go("number");
      case "pin":
        if (digit && this.#digits.length < MAX_PIN_DIGITS) this.#digits += label;
        else if (label === "*") this.#digits = this.#digits.slice(0, -1);
        else if (label === "#") return this.#pinEntered();
        this.#hint = "";
        return this.#go("pin");
      case "finger":
        return;
      case "ballot":
        if (digit) this.#pickBallot(Number(label) - 1);
        return;
      case "choose":
      case "confirm":
        if (digit) this.#pick(Number(label) - 1);
        return;
      case "receipt":
      case "notice":
        if (label === "#") this.#go("idle");
        return;
      case "waiting":
        // The vote is safe in the outbox; # lets the next voter start without waiting for the receipt.
        if (label === "#") this.#go("idle");
        return;
      case "signing":
        return;
    }
  }

  button(name: string): void {
    if (name === CANCEL) {
      switch (this.#state) {
        case "number":
        case "pin":
        case "finger":
        case "ballot":
        case "choose":
        case "confirm":
          return this.#notice(WORDS.cancelled, false, 2000);
        case "receipt":
        case "notice":
          return this.#go("idle");
        case "idle":
        case "signing":
        case "waiting":
          return; // a signed vote cannot be taken back
      }
    }
    switch (this.#state) {
      case "idle":
        if (name === CONFIRM) this.#begin("");
        return;
      case "choose":
      case "confirm": {
        if (name === CONFIRM && this.#state === "confirm") return void this.#cast();
        const index = optionIndexOfButton(name);
        if (index >= 0) this.#pick(index);
        return;
      }
      default:
        return;
    }
  }

  /** A verified gateway answer for `seq`. Only the vote this session waits for changes the screen. */
  answer(seq: number, answer: { readonly code: string } | { readonly reason: RejectReason }): void {
    if (this.#state !== "waiting" || seq !== this.#awaiting) return;
    if ("code" in answer) this.#go("receipt", [WORDS.recorded, WORDS.receipt, answer.code, ""]);
    else this.#notice(`Vote refused. ${refusalWords(answer.reason)}`, true, this.#host.receiptSeconds() * 1000);
  }

  // ---- steps ------------------------------------------------------------

  #begin(firstDigit: string): void {
    if (this.#host.openBallots().length === 0) return this.#notice(WORDS.noBallot);
    if (!this.#host.hasRoomForVote()) return this.#notice(WORDS.full);
    this.#reset();
    this.#digits = firstDigit;
    this.#go(this.#host.auth() === "pin" ? "number" : "finger");
  }

  #numberEntered(): void {
    const voter = this.#host.voters.get(Number(this.#digits));
    if (!voter) return this.#notice(WORDS.unknownNumber);
    if (voter.hash === "") return this.#notice(WORDS.noPin);
    this.#askPin(voter);
  }

  #askPin(voter: Voter): void {
    const wait = this.#lockRemaining(voter.number);
    if (wait > 0) return this.#notice(`Voter ${voter.number} is locked. Try again in ${seconds(wait)}.`, true, 8000);
    this.#voter = voter;
    this.#digits = "";
    this.#go("pin");
  }

  /** Seconds this voter must still wait; a lockout counted before a reboot starts again from boot. */
  #lockRemaining(number: number): number {
    const now = this.#host.timers.now();
    let until = this.#lockedUntil.get(number);
    if (until === undefined) {
      const failures = this.#host.voters.failures(number);
      until = this.#bootMs + lockoutSeconds(failures) * 1000;
      this.#lockedUntil.set(number, until);
    }
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  #pinEntered(): void {
    const voter = this.#voter!;
    if (!PIN_PATTERN.test(this.#digits)) {
      this.#hint = "4 to 8 digits";
      return this.#go("pin");
    }
    const ok = this.#host.voters.checkPin(voter, this.#digits);
    this.#digits = "";
    if (ok) {
      this.#host.voters.clearFailures(voter.number);
      this.#lockedUntil.delete(voter.number);
      return this.#authenticated();
    }
    const failures = this.#host.voters.recordFailure(voter.number);
    const lock = lockoutSeconds(failures);
    if (lock > 0) {
      this.#lockedUntil.set(voter.number, this.#host.timers.now() + lock * 1000);
      return this.#notice(`Wrong PIN. Voter ${voter.number} is locked for ${seconds(lock)}.`, true, 8000);
    }
    this.#host.indicators.beep("error");
    this.#hint = `Wrong PIN: ${3 - failures} left`;
    this.#go("pin");
  }

  /**
   * Looks for a finger in short slices, again and again while the step lasts:
   * the module cannot be interrupted, so a slice is what an abandoned session
   * (CANCEL, timeout) can still keep the next voter waiting.
   */
  #identify(): void {
    const fingerprint = this.#host.fingerprint;
    if (!fingerprint) return this.#notice(WORDS.fingerNotRead);
    const generation = this.#generation;
    fingerprint.identify(IDENTIFY_SLICE_MS).then(
      (match) => {
        if (generation !== this.#generation) return;
        const voter = match ? this.#host.voters.get(match.slot) : undefined;
        if (!voter || !voter.finger) return this.#notice(WORDS.fingerUnknown);
        this.#fingerUsed = true;
        if (this.#host.auth() === "pin+fp") {
          if (voter.hash === "") return this.#notice(WORDS.noPin);
          return this.#askPin(voter);
        }
        this.#voter = voter;
        this.#authenticated();
      },
      (error: unknown) => {
        if (generation !== this.#generation) return;
        if ((error as { reason?: string }).reason === "no-finger") return this.#identify(); // nobody yet: look again
        this.#notice(WORDS.fingerNotRead);
      },
    );
  }

  #authenticated(): void {
    this.#ballots = this.#host.openBallots();
    if (this.#ballots.length === 0) return this.#notice(WORDS.noBallot);
    if (this.#ballots.length === 1) return this.#pickBallot(0);
    this.#go("ballot");
  }

  #pickBallot(index: number): void {
    if (index < 0 || index >= this.#ballots.length) return;
    this.#ballot = this.#ballots[index];
    this.#choice = -1;
    this.#go("choose");
  }

  #pick(index: number): void {
    if (!this.#ballot || index < 0 || index >= this.#ballot.options.length) return;
    this.#choice = index;
    this.#go("confirm");
  }

  async #cast(): Promise<void> {
    const ballot = this.#ballot!;
    const choice = ballot.options[this.#choice].id;
    const voter = this.#voter!;
    const auth: AuthMethod = this.#fingerUsed ? (voter.hash !== "" && this.#host.auth() === "pin+fp" ? "pin+fp" : "fp") : "pin";
    this.#go("signing");
    const generation = this.#generation;
    const result = await this.#host.castVote(ballot.id, choice, voter.id, auth);
    if (generation !== this.#generation) return;
    if (result === "full") return this.#notice(WORDS.full);
    if (result === "failed") return this.#notice(WORDS.signFailed);
    this.#reset();
    this.#awaiting = result.seq;
    this.#go("waiting", wrap(result.flowing ? WORDS.sent : WORDS.stored));
  }

  // ---- screen -----------------------------------------------------------

  #optionsScreen(): string[] {
    const ballot = this.#ballot!;
    const lines = [ballot.title];
    let line = "";
    for (let i = 0; i < ballot.options.length; i++) {
      const item = `${i + 1} ${ballot.options[i].label}`;
      if (line !== "" && line.length + 2 + item.length > 20) {
        lines.push(line);
        line = item;
      } else line = line === "" ? item : `${line}  ${item}`;
    }
    if (line !== "") lines.push(line);
    return lines;
  }

  #show(lines: string[]): void {
    if (lines.length === this.#screen.length && lines.every((l, i) => l === this.#screen[i])) return; // unchanged: no redraw
    this.#screen = lines;
    this.#host.display.show(lines);
  }

  get screen(): readonly string[] {
    return this.#screen;
  }

  #leds(ready: "on" | "off", busy: "on" | "off", ok: "on" | "off", error: "on" | "off"): void {
    const { indicators } = this.#host;
    indicators.led("ready", ready);
    indicators.led("busy", busy === "on" ? "blink" : "off");
    indicators.led("ok", ok);
    indicators.led("error", error);
  }
}
