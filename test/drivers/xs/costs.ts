// What the drivers' own JavaScript costs on XS, in computrons: the emulated
// IO, the timer queue and the parts run off the meter (simulator/hardware/
// metering.ts), since on the board they are native code or hardware. Async
// transactions are measured end to end and the virtual clock's per-timer
// overhead (measured here on timers that do nothing) is taken off.
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
import { S0Meter } from "../../../simulator/hardware/s0meter";

declare const resetMeter: (limit: number, count: number) => number;

function metered(work: () => void): number {
  resetMeter(0, 0);
  work();
  return resetMeter(0, 0);
}

async function meteredAsync(clock: VirtualClock, work: () => Promise<unknown>): Promise<{ computrons: number; fired: number }> {
  const fired = clock.fired;
  resetMeter(0, 0);
  await clock.runUntil(work());
  const computrons = resetMeter(0, 0);
  return { computrons, fired: clock.fired - fired };
}

/** The clock's cost per fired timer when the timers do nothing: runUntil's loop and its microtask turns. */
async function perTimer(clock: VirtualClock): Promise<{ async: number; sync: number }> {
  const n = 20;
  const chain = () => new Promise<void>((resolve) => {
    let left = n;
    const next = () => (--left === 0 ? resolve() : clock.set(next, 1));
    clock.set(next, 1);
  });
  await clock.runUntil(chain());
  const run = await meteredAsync(clock, chain);
  for (let i = 0; i < n; i++) clock.set(() => {}, 1 + i);
  const sync = metered(() => clock.advance(n + 1));
  return { async: run.computrons / run.fired, sync: sync / n };
}

export async function main(): Promise<Record<string, number>> {
  (globalThis as { signetDriverMeter?: boolean }).signetDriverMeter = true;
  const out: Record<string, number> = {};

  const block = new Uint8Array(64).fill(7);
  sha256Digest(block);
  out.baselineSha256 = metered(() => void sha256Digest(block));

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
    out.keypadScan = metered(() => keypad.scan());
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
    out.fingerprintIdentify = Math.round(run.computrons - run.fired * overhead.async);
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
    out.ateccSign = Math.round(run.computrons - run.fired * overhead.async);
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
    out.pulseRead = metered(() => void input.read());
    const fired = board.clock.fired;
    const pulse = metered(() => board.clock.advance(1_000));
    out.pulseEdges = Math.round(pulse - (board.clock.fired - fired) * overhead.sync);
  }
  return out;
}
