// On XS, benchmarks meter what the firmware's JavaScript costs. On a board the
// IO classes, the timer queue and the peripherals are native or hardware, so
// the simulator's stand-ins for them run off the meter when a benchmark sets
// globalThis.signetDriverMeter. Elsewhere (Node, tests) this is a plain call.
// What the switch itself costs is counted in `offMeterCalls`, so a benchmark
// can take it off too.

const host = globalThis as { resetMeter?: (limit: number, count: number) => number; signetDriverMeter?: boolean };

let depth = 0;

/** Outermost offMeter calls made while metering was on. */
export const meterSwitches = { count: 0 };

export function offMeter<T>(work: () => T): T {
  if (depth > 0 || !host.signetDriverMeter || !host.resetMeter) return work();
  const saved = host.resetMeter(0, 0);
  depth++;
  try {
    return work();
  } finally {
    depth--;
    meterSwitches.count++;
    host.resetMeter(0, saved);
  }
}
