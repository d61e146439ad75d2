// Wall-clock time. The board learns it from SNTP after joining the network;
// until then it does not know the date, and PROTOCOL §4 wants `ts` = 0 and no
// readings. Monotonic time for timeouts is Timers.now(), never this.

export interface Clock {
  /** Unix seconds now, or 0 when the clock was never synchronised since boot. */
  wallSeconds(): number;
  readonly synchronised: boolean;
  /** Called after every synchronisation (the first one, and later corrections or jumps). */
  onSync?: () => void;
}
