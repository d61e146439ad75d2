import { describe, expect, it } from "vitest";
import { S0Input } from "../../firmware/drivers/s0.ts";
import { VirtualBoard } from "../../simulator/hardware/board.ts";
import { constantLoad, csvLoad, dailyLoad, HOUSEHOLD_DAY } from "../../simulator/hardware/load-profile.ts";
import { S0Meter } from "../../simulator/hardware/s0meter.ts";

const PIN = 39;

function setup(options: { watts?: number; impulsesPerKwh?: number; pulseMs?: number; minPulseMs?: number } = {}) {
  const board = new VirtualBoard();
  const meter = new S0Meter(board, { pin: PIN, profile: constantLoad(options.watts ?? 3_600), impulsesPerKwh: options.impulsesPerKwh, pulseMs: options.pulseMs });
  const input = new S0Input({ channel: 0, input: { io: board.Digital, pin: PIN }, timers: board.clock, minPulseMs: options.minPulseMs });
  return { board, clock: board.clock, meter, input };
}

describe("S0 input against an emulated meter", () => {
  it("3.6 kW at 1000 imp/kWh is one pulse a second: an hour is 3600 pulses and 3.6 kWh", () => {
    const { clock, meter, input } = setup();
    clock.advance(3_600_000);
    expect(meter.energyWh).toBeCloseTo(3_600, 6);
    clock.advance(100); // the last pulse ends
    expect(meter.emitted).toBe(3_600);
    expect(input.read()).toBe(3_600);
    expect(input.rejected).toBe(0);
  });

  it("spikes shorter than the filter width are ignored and counted as rejected", () => {
    const { clock, meter, input } = setup({ watts: 360 }); // one pulse every 10 s
    clock.advance(5_000);
    for (let i = 0; i < 10; i++) clock.set(() => meter.glitch(3 + i), 100 * i);
    clock.advance(5_500);
    expect(input.read()).toBe(1);
    expect(input.rejected).toBe(10);
  });

  it("a meter whose pulses are narrower than the filter is not counted at all", () => {
    const { clock, meter, input } = setup({ pulseMs: 10 });
    clock.advance(60_050);
    expect(meter.emitted).toBe(60);
    expect(input.read()).toBe(0);
    expect(input.rejected).toBe(60);
  });

  it("a CSV series: 10 min at 1 kW then 10 min at 2 kW is 500 Wh, 500 pulses", () => {
    const board = new VirtualBoard();
    const meter = new S0Meter(board, { pin: PIN, profile: csvLoad("seconds,watts\n0,1000\n600,2000\n1200,0\n") });
    const input = new S0Input({ channel: 3, input: { io: board.Digital, pin: PIN }, timers: board.clock });
    board.clock.advance(1_500_000);
    expect(meter.energyWh).toBeCloseTo(500, 6);
    expect(input.read()).toBe(500);
    expect(input.channel).toBe(3);
  });

  it("a household day at 100 imp/kWh: every impulse the meter gave is counted", () => {
    const board = new VirtualBoard();
    const meter = new S0Meter(board, { pin: PIN, profile: dailyLoad(HOUSEHOLD_DAY), impulsesPerKwh: 100, pulseMs: 90 });
    const input = new S0Input({ channel: 0, input: { io: board.Digital, pin: PIN }, timers: board.clock });
    board.clock.advance(86_400_000);
    const kwh = meter.energyWh / 1000;
    expect(kwh).toBeGreaterThan(12);
    expect(kwh).toBeLessThan(15);
    expect(meter.due).toBe(Math.floor(kwh * 100));
    expect(input.read()).toBe(meter.emitted);
  });

  it("the hardware counter path extends a 16-bit counter across its wrap", () => {
    const board = new VirtualBoard();
    class NearWrap extends board.PulseCount {
      constructor(options: { signal: number; control: number }) {
        super(options);
        this.write(65_530);
      }
    }
    const meter = new S0Meter(board, { pin: PIN, profile: constantLoad(36_000) }); // 10 pulses a second
    const input = new S0Input({ channel: 0, counter: { io: NearWrap, signal: PIN, control: 255, pollMs: 1_000 }, timers: board.clock });
    board.clock.advance(3_000);
    expect(meter.emitted).toBe(30);
    expect(input.read()).toBe(30);
    board.clock.advance(10_000);
    expect(input.read()).toBe(130);
  });

  it("an input needs either a pin or a counter", () => {
    const board = new VirtualBoard();
    expect(() => new S0Input({ channel: 1, timers: board.clock })).toThrow(/needs an input \(Digital\) or a counter/);
  });

  it("close frees the pin and stops counting", () => {
    const { board, clock, input } = setup();
    clock.advance(2_100);
    input.close();
    clock.advance(5_000);
    expect(input.read()).toBe(2);
    expect(board.pinsInUse).toEqual([]);
  });
});
