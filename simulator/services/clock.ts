// The simulated wall clock: the device does not know the date at boot; an
// SNTP-like exchange some time after the network comes up sets it from the
// "world" time (a fixed epoch plus virtual time), and re-synchronises every
// few hours. Tests can make the server unreachable, or step the clock (a bad
// server, a leap of the RTC) to exercise the firmware's handling. No Node APIs.
import type { Clock } from "../../firmware/hal/clock";
import type { TimerHandle, Timers } from "../../firmware/hal/timers";

export interface WallClockOptions {
  /** Unix seconds of the world when virtual time is 0. */
  readonly worldEpoch: number;
  /** Delay from `start` to the first answer of the time server (ms). */
  readonly syncAfterMs?: number;
  /** Re-synchronisation period (ms); 3 h by default. */
  readonly resyncMs?: number;
  /** False: the time server never answers (the device stays unsynchronised). */
  readonly reachable?: boolean;
}

export class SimWallClock implements Clock {
  readonly #timers: Timers;
  readonly #options: WallClockOptions;
  #reachable: boolean;
  /** Device wall time = world time + offset, once synchronised. */
  #offsetMs = 0;
  #synchronised = false;
  #timer: TimerHandle | undefined;
  onSync?: () => void;
  /** Synchronisations so far. */
  syncs = 0;

  constructor(timers: Timers, options: WallClockOptions) {
    this.#timers = timers;
    this.#options = options;
    this.#reachable = options.reachable ?? true;
  }

  get synchronised(): boolean {
    return this.#synchronised;
  }

  /** World time now, Unix milliseconds (what a correct clock would say). */
  worldMs(): number {
    return this.#options.worldEpoch * 1000 + this.#timers.now();
  }

  wallSeconds(): number {
    return this.#synchronised ? Math.floor((this.worldMs() + this.#offsetMs) / 1000) : 0;
  }

  /** Begins asking the time server (the board does this once Wi-Fi is up). */
  start(): void {
    this.#schedule(this.#options.syncAfterMs ?? 1500);
  }

  stop(): void {
    this.#timers.clear(this.#timer);
    this.#timer = undefined;
  }

  set reachable(value: boolean) {
    this.#reachable = value;
  }

  /** Synchronises now (as an SNTP answer arriving). */
  syncNow(): void {
    this.#offsetMs = 0;
    this.#synchronised = true;
    this.syncs++;
    this.onSync?.();
  }

  /** Steps the device's clock by `seconds` (negative: backwards), as a wrong answer or an RTC fault would. */
  jump(seconds: number): void {
    this.#offsetMs += seconds * 1000;
    if (this.#synchronised) this.onSync?.();
  }

  #schedule(ms: number): void {
    this.#timers.clear(this.#timer);
    this.#timer = this.#timers.set(() => {
      if (this.#reachable) {
        this.syncNow();
        this.#schedule(this.#options.resyncMs ?? 3 * 3600_000);
      } else this.#schedule(30_000); // SNTP retries every 30 s while the server is silent
    }, ms);
  }
}
