// A mechanical contact: closing or opening it bounces for a few milliseconds
// (a burst of make/break edges at sub-millisecond intervals) before it
// settles, which is what a debouncer is for.
import type { VirtualClock } from "../clock";
import type { CircuitSwitch } from "./circuit";
import { offMeter } from "./metering";
import { SeededRandom } from "./random";

export interface ContactOptions {
  /** How long the contact chatters after each press or release; 0 for a clean contact. */
  bounceMs?: number;
  random?: SeededRandom;
}

export class Contact {
  readonly clock: VirtualClock;
  readonly bounceMs: number;
  #switch: CircuitSwitch;
  #random: SeededRandom;
  #target = false;
  #timer: object | undefined;
  /** Edges the contact made, bounces included. */
  edges = 0;

  constructor(clock: VirtualClock, sw: CircuitSwitch, options: ContactOptions = {}) {
    this.clock = clock;
    this.#switch = sw;
    this.bounceMs = options.bounceMs ?? 0;
    this.#random = options.random ?? new SeededRandom(1);
  }

  /** Where the contact is heading (settled or still bouncing). */
  get pressed(): boolean {
    return this.#target;
  }

  /** Whether the contact is conducting right now. */
  get closed(): boolean {
    return this.#switch.closed;
  }

  press(): void {
    this.#move(true);
  }

  release(): void {
    this.#move(false);
  }

  #move(closed: boolean): void {
    if (this.#target === closed && !this.#timer) return;
    this.#target = closed;
    this.clock.clear(this.#timer);
    this.#timer = undefined;
    if (this.bounceMs <= 0) return this.#set(closed);
    const settleAt = this.clock.now() + this.bounceMs;
    const step = () => {
      const left = settleAt - this.clock.now();
      if (left <= 0) {
        this.#timer = undefined;
        this.#set(this.#target);
        return;
      }
      this.#set(!this.#switch.closed);
      this.#timer = this.clock.set(() => offMeter(step), Math.min(left, this.#random.between(0.05, 0.8)));
    };
    step();
  }

  #set(closed: boolean): void {
    if (this.#switch.closed === closed) return;
    this.edges++;
    this.#switch.set(closed);
  }
}
