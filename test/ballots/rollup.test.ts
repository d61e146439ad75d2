import { describe, expect, it } from "vitest";
import { hourOf, rollupWh } from "../../gateway/meters/rollup.ts";

describe("hourly rollups (PROTOCOL §4.6)", () => {
  it("puts a reading in the hour that contains its end", () => {
    expect(hourOf(1790000000)).toBe(1789999200);
    expect(hourOf(1789999200)).toBe(1789999200);
  });

  it("floors the exact sum over channels, not each reading", () => {
    // 3 readings of 1 pulse at 3 imp/kWh: 3 × 333.33… = exactly 1000 Wh, not 999.
    expect(rollupWh([1, 2, 3].map(() => ({ dev: "m1", d: 1, imp: 3, to: 10 })))).toEqual({ m1: 1000 });
    // mixed constants on two channels: 1·1000/3 + 1·1000/7 = 476.19… → 476
    expect(rollupWh([{ dev: "m1", d: 1, imp: 3, to: 1 }, { dev: "m1", d: 1, imp: 7, to: 1 }])).toEqual({ m1: 476 });
    expect(rollupWh([{ dev: "a", d: 1000, imp: 1000, to: 1 }, { dev: "b", d: 0, imp: 1, to: 1 }])).toEqual({ a: 1000, b: 0 });
  });
});
