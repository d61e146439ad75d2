// Timing for benchmarks: repeat a piece of work for a while, report a rate.

export interface Rate {
  readonly ops: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/** Runs `work` (one operation per call) for about `seconds`, after a short warm-up. */
export function rate(work: () => void, seconds = 1): Rate {
  const warmUntil = performance.now() + 100;
  while (performance.now() < warmUntil) work();
  let ops = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  let now = start;
  while (now < until) {
    for (let i = 0; i < 16; i++) work();
    ops += 16;
    now = performance.now();
  }
  const elapsed = (now - start) / 1000;
  return { ops, seconds: elapsed, perSecond: ops / elapsed };
}

export function formatRate(r: Rate): string {
  return `${Math.round(r.perSecond).toLocaleString("en-US")}/s`;
}

/** Prints rows as an aligned table. */
export function table(rows: readonly (readonly string[])[]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("   "));
}
