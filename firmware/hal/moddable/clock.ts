// Wall time on the board: SNTP (Moddable's `sntp` module) once the network is
// up, `Time.set` to set the system clock, and a re-synchronisation every few
// hours. Until the first answer the clock is unsynchronised (`ts` = 0).
import SNTP from "sntp";
import Time from "time";
import Timer from "timer";
import type { Clock } from "../clock";

const RESYNC_MS = 3 * 3600_000;
const RETRY_MS = 30_000;

export class SntpClock implements Clock {
  readonly #host: string;
  #synchronised = false;
  #sntp: SNTP | undefined;
  #timer: ReturnType<typeof Timer.set> | undefined;
  onSync?: () => void;

  constructor(host: string) {
    this.#host = host;
  }

  get synchronised(): boolean {
    return this.#synchronised;
  }

  wallSeconds(): number {
    return this.#synchronised ? Math.floor(Date.now() / 1000) : 0;
  }

  /** Starts asking (call when the network has an address). */
  start(): void {
    if (this.#sntp || this.#timer) return;
    this.#ask();
  }

  #ask(): void {
    this.#timer = undefined;
    this.#sntp = new SNTP({ host: this.#host }, (message, value) => {
      if (message === SNTP.time && value !== undefined) {
        Time.set(value);
        this.#synchronised = true;
        this.#sntp = undefined;
        this.#timer = Timer.set(() => this.#ask(), RESYNC_MS);
        this.onSync?.();
      } else if (message === SNTP.error) {
        this.#sntp = undefined;
        this.#timer = Timer.set(() => this.#ask(), RETRY_MS);
      }
    });
  }
}
