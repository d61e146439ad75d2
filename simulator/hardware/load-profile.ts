// Load profiles for emulated meters: the power drawn over virtual time, as
// piecewise-constant steps so the energy up to any instant is exact.

export interface LoadProfile {
  /** Power in watts at `ms` (virtual time since the profile started). */
  powerAt(ms: number): number;
  /** The first instant after `ms` at which the power may change (Infinity when never). */
  nextChangeAfter(ms: number): number;
}

export function constantLoad(watts: number): LoadProfile {
  if (!(watts >= 0)) throw new RangeError(`load must be 0 W or more, got ${watts}`);
  return { powerAt: () => watts, nextChangeAfter: () => Infinity };
}

/**
 * A measured series as CSV lines "seconds,watts" (a header line is skipped):
 * each value holds until the next line's time; the last holds for ever.
 */
export function csvLoad(csv: string): LoadProfile {
  const steps: { at: number; watts: number }[] = [];
  for (const [n, line] of csv.split(/\r?\n/).entries()) {
    const text = line.trim();
    if (!text || text.startsWith("#")) continue;
    const [a, b] = text.split(",").map((s) => s.trim());
    const seconds = Number(a);
    const watts = Number(b);
    if (!Number.isFinite(seconds) || !Number.isFinite(watts)) {
      if (steps.length === 0 && n === 0) continue; // header
      throw new SyntaxError(`load CSV line ${n + 1}: expected "seconds,watts", got "${text}"`);
    }
    if (watts < 0) throw new RangeError(`load CSV line ${n + 1}: negative power ${watts} W`);
    if (steps.length && seconds * 1000 <= steps[steps.length - 1].at) throw new RangeError(`load CSV line ${n + 1}: time ${seconds} s does not increase`);
    steps.push({ at: seconds * 1000, watts });
  }
  if (!steps.length) throw new SyntaxError("load CSV has no rows");
  const index = (ms: number) => {
    let i = 0;
    while (i + 1 < steps.length && steps[i + 1].at <= ms) i++;
    return i;
  };
  return {
    powerAt: (ms) => (ms < steps[0].at ? 0 : steps[index(ms)].watts),
    nextChangeAfter: (ms) => {
      if (ms < steps[0].at) return steps[0].at;
      const i = index(ms);
      return i + 1 < steps.length ? steps[i + 1].at : Infinity;
    },
  };
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/**
 * A daily curve through 24 hourly values (watts at each full hour),
 * interpolated linearly and held per minute, repeating every day; the profile
 * starts at `startHour` of the day.
 */
export function dailyLoad(hourlyWatts: readonly number[], startHour = 0): LoadProfile {
  if (hourlyWatts.length !== 24 || hourlyWatts.some((w) => !(w >= 0))) throw new RangeError("a daily load needs 24 hourly values of 0 W or more");
  const offset = startHour * 3_600_000;
  return {
    powerAt: (ms) => {
      const minuteStart = Math.floor((ms + offset) / MINUTE_MS) * MINUTE_MS;
      const hours = ((minuteStart + MINUTE_MS / 2) % DAY_MS) / 3_600_000;
      const h = Math.floor(hours);
      const f = hours - h;
      return hourlyWatts[h] * (1 - f) + hourlyWatts[(h + 1) % 24] * f;
    },
    nextChangeAfter: (ms) => (Math.floor((ms + offset) / MINUTE_MS) + 1) * MINUTE_MS - offset,
  };
}

/** A household's day: low at night, a morning and a larger evening peak (watts per hour from midnight). */
export const HOUSEHOLD_DAY = Object.freeze([
  220, 200, 190, 185, 190, 240, 520, 880, 760, 520, 430, 470, 560, 480, 420, 430, 560, 920, 1350, 1480, 1240, 900, 560, 320,
]);
