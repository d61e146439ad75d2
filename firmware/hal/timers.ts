// Time for firmware code: a monotonic millisecond clock and one-shot /
// repeating timers. On the board it is Moddable's `timer` module; in the
// simulator a virtual clock, so runs are deterministic and faster than real time.

export type TimerHandle = object;

export interface Timers {
  /** Monotonic milliseconds since boot. */
  now(): number;
  /** Calls `callback` once after `ms`. */
  set(callback: () => void, ms: number): TimerHandle;
  /** Calls `callback` every `ms`, first after `ms`. */
  repeat(callback: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle | undefined): void;
}
