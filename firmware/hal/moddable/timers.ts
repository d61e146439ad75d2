// Timers on the board: Moddable's `timer` module, and `time` for a monotonic
// millisecond count.
import Timer from "timer";
import Time from "time";
import type { TimerHandle, Timers } from "../timers";

export class ModdableTimers implements Timers {
  now(): number {
    return Time.ticks;
  }

  set(callback: () => void, ms: number): TimerHandle {
    return Timer.set(() => callback(), ms);
  }

  repeat(callback: () => void, ms: number): TimerHandle {
    return Timer.repeat(() => callback(), ms);
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle !== undefined) Timer.clear(handle as ReturnType<typeof Timer.set>);
  }
}
