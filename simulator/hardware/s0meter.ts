// An emulated energy meter's S0 output: an open-collector transistor from the
// input pin to ground, switched on for `pulseMs` per impulse (DIN 43864:
// ≥ 30 ms on, ≥ 30 ms off). The load profile's energy is integrated exactly;
// an impulse falls due each time it crosses another 1/impulsesPerKwh kWh.
// Impulses falling due faster than the output can pulse wait their turn.
import { GROUND, type CircuitSwitch } from "./circuit";
import type { VirtualBoard } from "./board";
import type { LoadProfile } from "./load-profile";
import { offMeter } from "./metering";

export interface S0MeterOptions {
  pin: number;
  profile: LoadProfile;
  /** Impulses per kWh (the meter's constant); 1000 by default. */
  impulsesPerKwh?: number;
  /** Width of each impulse; 30 ms by default. */
  pulseMs?: number;
  /** Shortest pause between impulses; 30 ms by default. */
  gapMs?: number;
}

const MS_PER_HOUR = 3_600_000;

export class S0Meter {
  readonly board: VirtualBoard;
  readonly impulsesPerKwh: number;
  readonly pulseMs: number;
  readonly gapMs: number;
  #output: CircuitSwitch;
  #profile: LoadProfile;
  #start: number;
  #accountedAt: number;
  #accountedWh = 0;
  #due = 0;
  #queued = 0;
  #busy = false;
  #on = false;
  #next: object | undefined;
  /** Impulses put on the wire so far. */
  emitted = 0;

  constructor(board: VirtualBoard, options: S0MeterOptions) {
    this.board = board;
    this.impulsesPerKwh = options.impulsesPerKwh ?? 1000;
    this.pulseMs = options.pulseMs ?? 30;
    this.gapMs = options.gapMs ?? 30;
    this.#profile = options.profile;
    this.#output = board.circuit.connect(options.pin, GROUND);
    this.#start = this.#accountedAt = board.clock.now();
    this.#schedule();
  }

  /** Energy drawn since the meter started, in Wh (exact, from the profile). */
  get energyWh(): number {
    return this.#accountedWh + this.#energy(this.#accountedAt, this.board.clock.now());
  }

  /** Whether an impulse is on the wire right now. */
  get pulsing(): boolean {
    return this.#on;
  }

  /** Impulses that fell due so far (emitted or still waiting for the output). */
  get due(): number {
    return this.#due;
  }

  /** Switches to another load from now on. */
  setProfile(profile: LoadProfile): void {
    const now = this.board.clock.now();
    this.#accountedWh += this.#energy(this.#accountedAt, now);
    this.#accountedAt = now;
    this.#profile = profile;
    this.#start = now;
    this.#schedule();
  }

  /** A dip of `ms` on the line that is not an impulse (a spike, a bouncing relay nearby). */
  glitch(ms: number): void {
    this.#output.set(true);
    this.board.clock.set(() => offMeter(() => this.#output.set(this.#on)), ms);
  }

  #energy(from: number, to: number): number {
    let wh = 0;
    let t = from;
    while (t < to) {
      const end = Math.min(to, this.#profile.nextChangeAfter(t - this.#start) + this.#start);
      wh += (this.#profile.powerAt(t - this.#start) * (end - t)) / MS_PER_HOUR;
      t = end;
    }
    return wh;
  }

  #schedule(): void {
    this.board.clock.clear(this.#next);
    this.#next = undefined;
    const quantumWh = 1000 / this.impulsesPerKwh;
    let needed = (this.#due + 1) * quantumWh - this.#accountedWh - this.#energy(this.#accountedAt, this.board.clock.now());
    let t = this.board.clock.now();
    for (let steps = 0; steps < 100_000; steps++) {
      const watts = this.#profile.powerAt(t - this.#start);
      const end = this.#profile.nextChangeAfter(t - this.#start) + this.#start;
      if (watts > 0) {
        const at = t + (needed / watts) * MS_PER_HOUR;
        if (at <= end) {
          this.#next = this.board.clock.set(() => offMeter(() => this.#fallDue(at)), Math.max(0, at - this.board.clock.now()));
          return;
        }
      }
      if (end === Infinity) return; // no load for ever: no more impulses
      needed -= (watts * (end - t)) / MS_PER_HOUR;
      t = end;
    }
  }

  #fallDue(at: number): void {
    this.#accountedWh += this.#energy(this.#accountedAt, at);
    this.#accountedAt = at;
    this.#due++;
    this.#queued++;
    if (!this.#busy) this.#pulse();
    this.#schedule();
  }

  #pulse(): void {
    if (this.#queued === 0) return;
    this.#queued--;
    this.#busy = true;
    this.emitted++;
    this.#on = true;
    this.#output.set(true);
    this.board.clock.set(
      () =>
        offMeter(() => {
          this.#on = false;
          this.#output.set(false);
          this.board.clock.set(() => offMeter(() => this.#idle()), this.gapMs);
        }),
      this.pulseMs,
    );
  }

  #idle(): void {
    this.#busy = false;
    this.#pulse();
  }
}
