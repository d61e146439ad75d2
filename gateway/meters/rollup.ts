// Hourly energy rollups (PROTOCOL §4.6): a reading belongs to the rollup whose
// hour contains its `to`; `wh` is floor(Σ d·1000 / imp) per device over its channels.

export interface CountedReading {
  readonly dev: string;
  readonly d: number;
  readonly imp: number;
  /** End of the reading's interval, Unix seconds. */
  readonly to: number;
}

export const HOUR = 3600;

/** The whole hour [from, from + 3600) that contains `to`. */
export function hourOf(to: number): number {
  return to - (to % HOUR);
}

/** Exact floor of Σ d·1000/imp per device (fractions summed exactly, then floored once). */
export function rollupWh(readings: Iterable<CountedReading>): { [dev: string]: number } {
  // Per device: Σ over constants imp of (Σ d)·1000/imp, summed as one exact fraction.
  const perDevice = new Map<string, Map<number, bigint>>();
  for (const r of readings) {
    let byImp = perDevice.get(r.dev);
    if (!byImp) perDevice.set(r.dev, (byImp = new Map()));
    byImp.set(r.imp, (byImp.get(r.imp) ?? 0n) + BigInt(r.d));
  }
  const wh = Object.create(null) as { [dev: string]: number };
  for (const [dev, byImp] of perDevice) {
    let num = 0n;
    let den = 1n;
    for (const [imp, d] of byImp) {
      // num/den + d·1000/imp
      num = num * BigInt(imp) + d * 1000n * den;
      den *= BigInt(imp);
      const g = gcd(num, den);
      num /= g;
      den /= g;
    }
    wh[dev] = Number(num / den);
  }
  return Object.assign({}, wh);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}
