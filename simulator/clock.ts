// Deterministic virtual time for the simulator: timers fire in time order,
// timers due at the same instant in the order they were set, and nothing
// moves until a test (or a runner) advances the clock. No Node APIs, so it is
// bundled with the drivers and runs on XS too.
import type { TimerHandle, Timers } from "../firmware/hal/timers";
import { offMeter } from "./hardware/metering";

interface Entry {
  at: number;
  seq: number;
  callback: () => void;
  interval: number;
  live: boolean;
}

export class VirtualClock implements Timers {
  #now: number;
  #seq = 0;
  #queue: Entry[] = [];
  /** Timers fired so far. */
  fired = 0;

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  set(callback: () => void, ms: number): TimerHandle {
    return offMeter(() => this.#add(callback, ms, 0));
  }

  repeat(callback: () => void, ms: number): TimerHandle {
    if (!(ms > 0)) throw new RangeError(`repeat interval must be above 0 ms, got ${ms}`);
    return offMeter(() => this.#add(callback, ms, ms));
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle !== undefined) offMeter(() => this.#remove(handle as Entry));
  }

  #remove(entry: Entry): void {
    if (!entry.live) return;
    entry.live = false;
    const i = this.#queue.indexOf(entry);
    if (i >= 0) this.#queue.splice(i, 1);
  }

  /** Time of the next timer, or undefined when none is set. */
  get nextAt(): number | undefined {
    return this.#queue.length ? this.#queue[0].at : undefined;
  }

  /** Number of timers set and not yet fired or cleared. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, synchronously. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance by ${ms} ms`);
    this.advanceTo(this.#now + ms);
  }

  /** Moves time to `at`, firing every timer due up to and including `at`. */
  advanceTo(at: number): void {
    while (this.#queue.length && this.#queue[0].at <= at) this.#fireNext();
    if (at > this.#now) this.#now = at;
  }

  /**
   * Like advance, but lets promise continuations run after every timer, so
   * async code driven by timers (the device app awaiting a driver) makes
   * progress at the virtual instant it would on the board.
   */
  async run(ms: number): Promise<void> {
    const until = this.#now + ms;
    await settle();
    while (this.#queue.length && this.#queue[0].at <= until) {
      this.#fireNext();
      await settle();
    }
    if (until > this.#now) this.#now = until;
  }

  /**
   * Advances timer by timer until `work` settles and returns its value (or
   * throws its error). Fails when `limitMs` of virtual time pass first, or
   * when no timer is left that could settle it.
   */
  async runUntil<T>(work: Promise<T>, limitMs = 600_000): Promise<T> {
    let state: { done: false } | { done: true; ok: true; value: T } | { done: true; ok: false; error: unknown } = { done: false };
    work.then(
      (value) => (state = { done: true, ok: true, value }),
      (error: unknown) => (state = { done: true, ok: false, error }),
    );
    const limit = this.#now + limitMs;
    await settle();
    while (!state.done) {
      if (!this.#queue.length) throw new Error(`runUntil: nothing left to run at ${this.#now} ms and the work has not settled`);
      if (this.#queue[0].at > limit) throw new Error(`runUntil: the work did not settle within ${limitMs} ms of virtual time`);
      this.#fireNext();
      await settle();
    }
    const end = state as { done: true; ok: true; value: T } | { done: true; ok: false; error: unknown };
    if (!end.ok) throw end.error;
    return end.value;
  }

  #add(callback: () => void, ms: number, interval: number): Entry {
    if (typeof callback !== "function") throw new TypeError("timer callback must be a function");
    const entry: Entry = { at: this.#now + Math.max(0, ms || 0), seq: this.#seq++, callback, interval, live: true };
    this.#insert(entry);
    return entry;
  }

  #insert(entry: Entry): void {
    // Binary search for the first entry due strictly later (ties keep creation order).
    const q = this.#queue;
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = q[mid];
      if (m.at < entry.at || (m.at === entry.at && m.seq < entry.seq)) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, entry);
  }

  #fireNext(): void {
    const entry = offMeter(() => this.#dequeue());
    this.fired++;
    entry.callback();
  }

  #dequeue(): Entry {
    const entry = this.#queue.shift()!;
    if (entry.at > this.#now) this.#now = entry.at;
    if (entry.interval > 0) {
      entry.at += entry.interval;
      entry.seq = this.#seq++;
      this.#insert(entry);
    } else entry.live = false;
    return entry;
  }
}

/** Lets pending promise continuations run (a bounded number of microtask turns). */
export async function settle(turns = 64): Promise<void> {
  for (let i = 0; i < turns; i++) await undefined;
}
