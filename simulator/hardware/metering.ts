// On XS, benchmarks meter what the firmware's JavaScript costs. On a board the
// IO classes, the timer queue and the peripherals are native or hardware, so
// the simulator's stand-ins for them run off the meter when a benchmark sets
// globalThis.signetDriverMeter. Elsewhere (Node, tests) this is a plain call.

const host = globalThis as { resetMeter?: (limit: number, count: number) => number; signetDriverMeter?: boolean };

export function offMeter<T>(work: () => T): T {
  if (!host.signetDriverMeter || !host.resetMeter) return work();
  const saved = host.resetMeter(0, 0);
  try {
    return work();
  } finally {
    host.resetMeter(0, saved);
  }
}
