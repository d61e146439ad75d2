import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../simulator/clock.ts";

describe("virtual clock", () => {
  it("fires timers in time order, and timers due at the same instant in creation order", () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.set(() => fired.push("b@20"), 20);
    clock.set(() => fired.push("a@10"), 10);
    clock.set(() => fired.push("c@20"), 20);
    clock.set(() => fired.push("d@0"), 0);
    clock.advance(19);
    expect(fired).toEqual(["d@0", "a@10"]);
    expect(clock.now()).toBe(19);
    clock.advance(1);
    expect(fired).toEqual(["d@0", "a@10", "b@20", "c@20"]);
  });

  it("a timer sees its own due time as now, and one set from a callback runs in the same advance", () => {
    const clock = new VirtualClock(1_000);
    const seen: number[] = [];
    clock.set(() => {
      seen.push(clock.now());
      clock.set(() => seen.push(clock.now()), 5);
    }, 10);
    clock.advance(100);
    expect(seen).toEqual([1_010, 1_015]);
    expect(clock.now()).toBe(1_100);
  });

  it("repeats until cleared, and a cleared timer never fires", () => {
    const clock = new VirtualClock();
    let ticks = 0;
    const tick = clock.repeat(() => ticks++, 100);
    const never = clock.set(() => (ticks += 1_000), 50);
    clock.clear(never);
    clock.advance(350);
    expect(ticks).toBe(3);
    clock.clear(tick);
    clock.advance(1_000);
    expect(ticks).toBe(3);
    expect(clock.pending).toBe(0);
  });

  it("runUntil lets async code awaiting timers progress and returns its value", async () => {
    const clock = new VirtualClock();
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.set(resolve, ms));
    const work = (async () => {
      await sleep(30);
      await sleep(70);
      return clock.now();
    })();
    await expect(clock.runUntil(work)).resolves.toBe(100);
  });

  it("runUntil fails when the work cannot settle", async () => {
    const clock = new VirtualClock();
    await expect(clock.runUntil(new Promise(() => {}))).rejects.toThrow(/nothing left to run/);
    clock.repeat(() => {}, 1_000);
    await expect(clock.runUntil(new Promise(() => {}), 5_000)).rejects.toThrow(/did not settle within 5000 ms/);
  });
});
