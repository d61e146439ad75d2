// One boot's worth of time: timers that belong to one run of the firmware.
// When the power goes, every one of them stops at once and later ones are
// never armed, while the shared virtual clock (and the other devices on it)
// carry on. No Node APIs.
import type { TimerHandle, Timers } from "../../firmware/hal/timers";

export class ScopedTimers implements Timers {
  readonly #clock: Timers;
  readonly #live = new Set<TimerHandle>();
  #dead = false;

  constructor(clock: Timers) {
    this.#clock = clock;
  }

  now(): number {
    return this.#clock.now();
  }

  set(callback: () => void, ms: number): TimerHandle {
    if (this.#dead) return {};
    const handle = this.#clock.set(() => {
      this.#live.delete(handle);
      callback();
    }, ms);
    this.#live.add(handle);
    return handle;
  }

  repeat(callback: () => void, ms: number): TimerHandle {
    if (this.#dead) return {};
    const handle = this.#clock.repeat(callback, ms);
    this.#live.add(handle);
    return handle;
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle === undefined || !this.#live.has(handle)) return;
    this.#live.delete(handle);
    this.#clock.clear(handle);
  }

  /** Timers armed and not yet fired or cleared. */
  get pending(): number {
    return this.#live.size;
  }

  /** Power off: every timer stops and none can be armed again. */
  kill(): void {
    this.#dead = true;
    for (const handle of this.#live) this.#clock.clear(handle);
    this.#live.clear();
  }
}
