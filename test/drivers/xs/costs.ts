// What the drivers' own JavaScript costs on XS, in computrons: the emulated
// IO, the timer queue and the parts run off the meter (simulator/hardware/
// metering.ts), since on the board they are native code or hardware; the
// cost of switching the meter off and on, and the virtual clock's per-timer
// overhead (both measured here on work that does nothing), are taken off.
import { ATECC608A } from "../../../firmware/drivers/atecc608a";
import { R30xFingerprint } from "../../../firmware/drivers/fingerprint";
import { MatrixKeypad } from "../../../firmware/drivers/keypad";
import { S0Input } from "../../../firmware/drivers/s0";
import { sha256Digest } from "../../../firmware/protocol/sig";
import type { VirtualClock } from "../../../simulator/clock";
import { Atecc608aChip } from "../../../simulator/hardware/atecc608a";
import { VirtualBoard } from "../../../simulator/hardware/board";
import { FingerprintModule } from "../../../simulator/hardware/fingerprint";
import { KeypadMatrix } from "../../../simulator/hardware/keypad";
import { constantLoad } from "../../../simulator/hardware/load-profile";
import { meterSwitches, offMeter } from "../../../simulator/hardware/metering";
import { S0Meter } from "../../../simulator/hardware/s0meter";

declare const resetMeter: (limit: number, count: number) => number;

interface Cost {
  computrons: number;
  /** Switches of the meter around emulated work, each costing `switchCost` that a board would not spend. */
  switches: number;
  fired: number;
}

let switchCost = 0;

function metered(work: () => void, clock?: VirtualClock): Cost {
  const switches = meterSwitches.count;
  const fired = clock?.fired ?? 0;
  resetMeter(0, 0);
  work();
  const computrons = resetMeter(0, 0);
  return { computrons, switches: meterSwitches.count - switches, fired: (clock?.fired ?? 0) - fired };
}

async function meteredAsync(clock: VirtualClock, work: () => Promise<unknown>): Promise<Cost> {
  const switches = meterSwitches.count;
  const fired = clock.fired;
  resetMeter(0, 0);
  await clock.runUntil(work());
  const computrons = resetMeter(0, 0);
  return { computrons, switches: meterSwitches.count - switches, fired: clock.fired - fired };
}

/** The clock's own cost per fired timer (runUntil's loop and microtask turns, or advance's loop), from timers that do nothing. */
async function perTimer(clock: VirtualClock): Promise<{ async: number; sync: number }> {
  const n = 20;
  const chain = () =>
    new Promise<void>((resolve) => {
      let left = n;
      const next = () => (--left === 0 ? resolve() : clock.set(next, 1));
      clock.set(next, 1);
    });
  await clock.runUntil(chain());
  const run = await meteredAsync(clock, chain);
  for (let i = 0; i < n; i++) clock.set(() => {}, 1 + i);
  const sync = metered(() => clock.advance(n + 1), clock);
  return { async: (run.computrons - run.switches * switchCost) / run.fired, sync: (sync.computrons - sync.switches * switchCost) / sync.fired };
}

/** The driver's share: the emulation's meter switches and the clock's per-timer work taken off. */
function driverShare(cost: Cost, perTimerCost: number): number {
  return Math.round(cost.computrons - cost.switches * switchCost - cost.fired * perTimerCost);
}

export async function main(): Promise<Record<string, number>> {
  (globalThis as { signetDriverMeter?: boolean }).signetDriverMeter = true;
  const out: Record<string, number> = {};

  const block = new Uint8Array(64).fill(7);
  sha256Digest(block);
  out.baselineSha256 = metered(() => void sha256Digest(block)).computrons;
  offMeter(() => 0);
  const calibration = metered(() => offMeter(() => 0));
  switchCost = calibration.computrons / calibration.switches;
  out.meterSwitch = Math.round(switchCost);

  // Keypad: one scan of a 4×3 matrix with one key held.
  {
    const board = new VirtualBoard();
    const rows = [13, 12, 14, 27];
    const columns = [26, 25, 33];
    const matrix = new KeypadMatrix(board, { rows, columns, labels: ["123", "456", "789", "*0#"] });
    const keypad = new MatrixKeypad({ rows: rows.map((pin) => ({ io: board.Digital, pin })), columns: columns.map((pin) => ({ io: board.Digital, pin })), timers: board.clock });
    matrix.press("5");
    board.clock.advance(100);
    keypad.scan();
    out.keypadScan = driverShare(metered(() => keypad.scan()), 0);
  }

  // Fingerprint: one identify transaction (GenImg, Img2Tz, Search) for an enrolled finger.
  {
    const board = new VirtualBoard();
    const overhead = await perTimer(board.clock);
    const module = new FingerprintModule(board, { port: 2 });
    const reader = new R30xFingerprint({ serial: { io: board.Serial, port: 2, receive: 19, transmit: 18 }, timers: board.clock });
    module.store(12, "alice");
    module.placeFinger("alice");
    await board.clock.runUntil(reader.identify());
    const run = await meteredAsync(board.clock, () => reader.identify());
    out.fingerprintIdentify = driverShare(run, overhead.async);
    out.fingerprintIdentifyTimers = run.fired;
  }

  // ATECC608A: one sign transaction (SHA-256 of 200 bytes, wake, Nonce, Sign, low-S, sleep).
  {
    const board = new VirtualBoard();
    const overhead = await perTimer(board.clock);
    new Atecc608aChip(board, { seed: "bench", keySlots: [0] });
    const key = new ATECC608A({ sensor: { io: board.I2C, data: 16, clock: 17 }, timers: board.clock });
    const message = new Uint8Array(200).fill(3);
    await board.clock.runUntil(key.sign(message));
    const run = await meteredAsync(board.clock, () => key.sign(message));
    out.ateccSign = driverShare(run, overhead.async);
    out.ateccSignTimers = run.fired;
  }

  // S0: a pulse-count read, and the edge handling of one pulse (two interrupts).
  {
    const board = new VirtualBoard();
    const overhead = await perTimer(board.clock);
    new S0Meter(board, { pin: 39, profile: constantLoad(3_600) });
    const input = new S0Input({ channel: 0, input: { io: board.Digital, pin: 39 }, timers: board.clock });
    board.clock.advance(10_500);
    input.read();
    out.pulseRead = driverShare(metered(() => void input.read()), 0);
    out.pulseEdges = driverShare(
      metered(() => board.clock.advance(1_000), board.clock),
      overhead.sync,
    );
  }
  return out;
}
