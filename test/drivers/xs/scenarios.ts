// Driver-against-emulator scenarios that run unchanged on Node and on XS
// (bundled by simulator/xs/runner). Each returns plain data; the XS test
// checks both engines give identical results.
import { ATECC608A } from "../../../firmware/drivers/atecc608a";
import { DebouncedButtons } from "../../../firmware/drivers/buttons";
import { R30xFingerprint } from "../../../firmware/drivers/fingerprint";
import { MatrixKeypad } from "../../../firmware/drivers/keypad";
import { S0Input } from "../../../firmware/drivers/s0";
import { SoftwareKeyStore } from "../../../firmware/drivers/softkey";
import type { StoredValue } from "../../../firmware/hal/storage";
import { ALG_EDDSA, ALG_ES256, isLowS, verifyMessage } from "../../../firmware/protocol/sig";
import { Atecc608aChip } from "../../../simulator/hardware/atecc608a";
import { VirtualBoard } from "../../../simulator/hardware/board";
import { PushButtons } from "../../../simulator/hardware/buttons";
import { FingerprintModule } from "../../../simulator/hardware/fingerprint";
import { KeypadMatrix } from "../../../simulator/hardware/keypad";
import { constantLoad, dailyLoad, HOUSEHOLD_DAY } from "../../../simulator/hardware/load-profile";
import { SeededRandom } from "../../../simulator/hardware/random";
import { S0Meter } from "../../../simulator/hardware/s0meter";

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

function keypad() {
  const board = new VirtualBoard();
  const rows = [13, 12, 14, 27];
  const columns = [26, 25, 33];
  const matrix = new KeypadMatrix(board, { rows, columns, labels: ["123", "456", "789", "*0#"], bounceMs: 4, seed: "xs" });
  const keys: string[] = [];
  const driver = new MatrixKeypad({ rows: rows.map((pin) => ({ io: board.Digital, pin })), columns: columns.map((pin) => ({ io: board.Digital, pin })), timers: board.clock, onKey: (k) => keys.push(k) });
  board.clock.advance(matrix.type("2580*#") + 100);
  matrix.press("1");
  matrix.press("2");
  matrix.press("4");
  board.clock.advance(300);
  driver.close();
  return { keys, at: board.clock.now(), fired: board.clock.fired };
}

function buttons() {
  const board = new VirtualBoard();
  const pins = { opt1: 4, opt2: 5, confirm: 19, cancel: 23 };
  const emulated = new PushButtons(board, { pins, bounceMs: 6, seed: "xs" });
  const presses: string[] = [];
  new DebouncedButtons({ buttons: Object.entries(pins).map(([name, pin]) => ({ name, io: board.Digital, pin })), timers: board.clock, onPress: (n) => presses.push(n) });
  emulated.click("opt2");
  board.clock.advance(400);
  emulated.click("confirm");
  board.clock.advance(400);
  return { presses, edges: [emulated.edges("opt2"), emulated.edges("confirm")], fired: board.clock.fired };
}

async function fingerprint() {
  const board = new VirtualBoard();
  const module = new FingerprintModule(board, { port: 2 });
  const reader = new R30xFingerprint({ serial: { io: board.Serial, port: 2, receive: 19, transmit: 18 }, timers: board.clock });
  const clock = board.clock;
  const steps: string[] = [];
  await clock.runUntil(
    reader.enroll(7, (step) => {
      steps.push(step);
      if (step === "lift") clock.set(() => module.liftFinger(), 250);
      else clock.set(() => module.placeFinger("alice"), 300);
    }),
  );
  module.liftFinger();
  clock.set(() => module.placeFinger("alice"), 500);
  const match = await clock.runUntil(reader.identify());
  module.placeFinger("mallory");
  const stranger = await clock.runUntil(reader.identify());
  module.corruptReplies(1);
  const count = await clock.runUntil(reader.count());
  module.silent = true;
  const silent = await clock.runUntil(reader.count()).then(
    () => "answered",
    (e: Error) => e.message,
  );
  return { steps, match, stranger, count, silent, at: clock.now(), wire: module.link.sent.length };
}

async function secureElement() {
  const board = new VirtualBoard();
  const chip = new Atecc608aChip(board, { seed: "xs" });
  const key = new ATECC608A({ sensor: { io: board.I2C, data: 16, clock: 17 }, timers: board.clock });
  const publicKey = await board.clock.runUntil(key.generateKey());
  const signatures: string[] = [];
  const verified: boolean[] = [];
  for (let i = 0; i < 3; i++) {
    const message = Uint8Array.of(1, 2, 3, i);
    const signature = await board.clock.runUntil(key.sign(message));
    signatures.push(hex(signature));
    verified.push(verifyMessage(ALG_ES256, publicKey, message, signature) && isLowS(signature));
  }
  chip.failNext(0x41, 0x0f);
  const failure = await board.clock.runUntil(key.sign(Uint8Array.of(9))).then(
    () => "signed",
    (e: Error) => e.message,
  );
  return { publicKey: hex(publicKey), signatures, verified, highS: chip.highS, failure, at: board.clock.now() };
}

async function softwareKey() {
  const data = new Map<string, StoredValue>();
  const storage = { get: (k: string) => data.get(k), set: (k: string, v: StoredValue) => void data.set(k, v), delete: (k: string) => void data.delete(k), keys: () => [...data.keys()] };
  const random = new SeededRandom("xs-softkey");
  const key = await new SoftwareKeyStore({ storage, random: (n) => random.bytes(n) }).generate();
  const message = Uint8Array.of(4, 5, 6);
  const signature = await key.sign(message);
  return { publicKey: hex(await key.publicKey()), signature: hex(signature), verified: verifyMessage(ALG_EDDSA, await key.publicKey(), message, signature) };
}

function pulses() {
  const board = new VirtualBoard();
  const meter = new S0Meter(board, { pin: 39, profile: constantLoad(7_200) });
  const input = new S0Input({ channel: 0, input: { io: board.Digital, pin: 39 }, timers: board.clock });
  board.clock.advance(60_000);
  for (let i = 0; i < 5; i++) board.clock.set(() => meter.glitch(2 + 3 * i), 200 + 37 * i); // in the gaps between pulses
  board.clock.advance(60_100); // the 240th pulse, due at 120 s, has ended
  const day = new VirtualBoard();
  const dayMeter = new S0Meter(day, { pin: 36, profile: dailyLoad(HOUSEHOLD_DAY, 6), impulsesPerKwh: 100, pulseMs: 80 });
  const dayInput = new S0Input({ channel: 1, input: { io: day.Digital, pin: 36 }, timers: day.clock });
  day.clock.advance(6 * 3_600_000);
  return { count: input.read(), rejected: input.rejected, emitted: meter.emitted, wh: Math.round(meter.energyWh * 1000), day: dayInput.read(), dayEmitted: dayMeter.emitted, dayWh: Math.round(dayMeter.energyWh * 1000) };
}

export const SCENARIOS = { keypad, buttons, fingerprint, secureElement, softwareKey, pulses };

export async function main(input: { only?: (keyof typeof SCENARIOS)[] } | null): Promise<Record<string, unknown>> {
  const names = input?.only ?? (Object.keys(SCENARIOS) as (keyof typeof SCENARIOS)[]);
  const results: Record<string, unknown> = {};
  for (const name of names) results[name] = await SCENARIOS[name]();
  return results;
}
