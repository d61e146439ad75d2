import { describe, expect, it } from "vitest";
import { constantLoad } from "../../simulator/hardware/load-profile";
import type { Reading } from "../../firmware/protocol/index";
import { provisionedKiosk, wait, type Kiosk } from "./kiosk";

const IMP = 1000; // impulses per kWh: one pulse per Wh
const METER = { ch: 0, imp: IMP, profile: constantLoad(3600) }; // 3.6 kW: one pulse a second

function readings(k: Kiosk): Reading[] {
  return k.gateway.messages("reading").map((r) => r.payload);
}

/** Each reading continues the one before: count grows by exactly d, intervals touch. */
function expectContinuous(list: Reading[]): void {
  for (let i = 1; i < list.length; i++) {
    expect(list[i].count, `reading ${i}`).toBe(list[i - 1].count + list[i].d);
    expect(list[i].from, `reading ${i}`).toBe(list[i - 1].to);
  }
}

describe("the meter sampler", () => {
  it("signs a reading a minute with the cumulative count, the interval's pulses and the meter constant", async () => {
    const k = await provisionedKiosk({ meters: [METER] });
    await wait(k, 10 * 60_000);
    const list = readings(k);
    expect(list.length).toBeGreaterThanOrEqual(9);
    expect(list.every((r) => r.ch === 0 && r.imp === IMP)).toBe(true);
    expect(list.slice(1).every((r) => r.to - r.from === 60)).toBe(true); // the first starts when the clock synchronised
    expect(list.slice(1).every((r) => r.d >= 59 && r.d <= 61)).toBe(true); // 3.6 kW = 60 Wh a minute
    expectContinuous(list);
    expect(k.device.app.kiosk!.outbox.size).toBe(0); // every reading acked
  });

  it("keeps exact energy across a reboot: no pulse counted twice, none lost", async () => {
    const k = await provisionedKiosk({ meters: [METER] });
    const meter = k.hardware.meters.get(0)!;
    const emittedAtStart = meter.emitted;
    const countAtStart = k.device.app.kiosk!.sampler.count(0)!;
    const boots = k.device.boots;
    await wait(k, 5 * 60_000 + 30_000); // half-way through an interval
    await k.clock.runUntil(k.device.reboot());
    await wait(k, 5 * 60_000);
    await k.clock.runUntil(k.device.reboot());
    await wait(k, 5 * 60_000);
    const list = readings(k);
    expectContinuous(list);
    const last = list.at(-1)!;
    expect(last.count).toBe(list.reduce((sum, r) => sum + r.d, 0)); // Σd = count: nothing lost between readings
    // Every pulse the meter emitted while the kiosk ran is in the count or in the interval still open.
    const sampler = k.device.app.kiosk!.sampler;
    expect(sampler.count(0)! - countAtStart).toBe(meter.emitted - emittedAtStart);
    expect(sampler.count(0)! - last.count).toBeLessThanOrEqual(61);
    expect(k.device.boots).toBe(boots + 2);
  });

  it("loses at most the open interval's pulses when the power is cut, and never counts one twice", async () => {
    const k = await provisionedKiosk({ meters: [METER] });
    await wait(k, 3 * 60_000 + 40_000);
    const before = readings(k).at(-1)!;
    k.device.powerCut();
    await wait(k, 20_000); // the meter keeps pulsing while the kiosk is dark
    await k.clock.runUntil(k.device.boot());
    await wait(k, 3 * 60_000);
    const list = readings(k);
    expectContinuous(list); // the first reading after the cut starts where the last one before it ended
    const after = list[list.indexOf(list.find((r) => r.count === before.count)!) + 1];
    expect(after.from).toBe(before.to);
    expect(after.count - before.count).toBeLessThan(after.to - after.from + 1); // pulses while dark are not invented
  });

  it("sends no reading until the clock is synchronised, then puts the pulses counted before into the first one", async () => {
    const k = await provisionedKiosk({ meters: [METER], ntpReachable: false });
    await wait(k, 5 * 60_000);
    expect(readings(k)).toHaveLength(0);
    k.device.current.wallClock.reachable = true;
    await wait(k, 3 * 60_000);
    const list = readings(k);
    expect(list.length).toBeGreaterThanOrEqual(2);
    expect(list[0].ts).toBeGreaterThan(0);
    expect(list[0].d).toBeGreaterThan(5 * 60 - 2); // five unsynchronised minutes of pulses in the first reading
    expect(list[0].count).toBe(list[0].d);
    expectContinuous(list);
  });
});
