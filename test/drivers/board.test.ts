import { describe, expect, it } from "vitest";
import { ATECC608A } from "../../firmware/drivers/atecc608a.ts";
import { DebouncedButtons } from "../../firmware/drivers/buttons.ts";
import { R30xFingerprint } from "../../firmware/drivers/fingerprint.ts";
import { MatrixKeypad } from "../../firmware/drivers/keypad.ts";
import type { DriverProvider } from "../../firmware/drivers/provider.ts";
import { S0Input } from "../../firmware/drivers/s0.ts";
import { Atecc608aChip } from "../../simulator/hardware/atecc608a.ts";
import { VirtualBoard } from "../../simulator/hardware/board.ts";
import { PushButtons } from "../../simulator/hardware/buttons.ts";
import { GROUND } from "../../simulator/hardware/circuit.ts";
import { FingerprintModule } from "../../simulator/hardware/fingerprint.ts";
import { KeypadMatrix } from "../../simulator/hardware/keypad.ts";
import { constantLoad } from "../../simulator/hardware/load-profile.ts";
import { S0Meter } from "../../simulator/hardware/s0meter.ts";

describe("virtual ECMA-419 IO classes", () => {
  it("DigitalBank reads and writes several pins at once and reports which ones triggered", () => {
    const board = new VirtualBoard();
    const inputs = new board.DigitalBank({ pins: (1 << 4) | (1 << 5), mode: board.DigitalBank.InputPullUp, falls: (1 << 4) | (1 << 5), onReadable: (t) => triggered.push(t) });
    const triggered: number[] = [];
    const outputs = new board.DigitalBank({ pins: (1 << 12) | (1 << 13), mode: board.DigitalBank.Output });
    const link4 = board.circuit.connect(4, 12);
    const link5 = board.circuit.connect(5, 13);
    link4.set(true);
    link5.set(true);
    outputs.write(1 << 13); // pin 12 low, pin 13 high
    expect(inputs.read()).toBe(1 << 5);
    board.clock.advance(1);
    expect(triggered).toEqual([1 << 4]);
    outputs.write(0);
    board.clock.advance(1);
    expect(triggered).toEqual([1 << 4, 1 << 5]);
    expect(() => inputs.write(0)).toThrow(/is an input/);
  });

  it("Digital edges merge while an interrupt is pending, like on the board", () => {
    const board = new VirtualBoard({ interruptLatencyMs: 1 });
    const calls: number[] = [];
    const pin = new board.Digital({ pin: 7, mode: board.Digital.InputPullUp, edge: board.Digital.Rising | board.Digital.Falling, onReadable() { calls.push(this.read()); } });
    const sw = board.circuit.connect(7, GROUND);
    sw.set(true);
    board.clock.advance(0.3);
    sw.set(false); // back up before the callback ran: one call, which sees the line high
    board.clock.advance(2);
    expect(calls).toEqual([1]);
    pin.close();
    expect(() => pin.read()).toThrow(/closed/);
  });

  it("Serial delivers bytes at the baud rate in FIFO chunks and reads as buffer or number", () => {
    const board = new VirtualBoard();
    const link = board.uart(1, { baud: 9_600, fifoBytes: 4 });
    const counts: number[] = [];
    const serial = new board.Serial({ port: 1, receive: 16, transmit: 17, baud: 9_600, onReadable: (n) => counts.push(n) });
    link.fromPart(Uint8Array.of(1, 2, 3, 4, 5, 6));
    board.clock.advance(10 * 4 * (1000 / 9_600) + 0.1);
    expect(counts).toEqual([4]);
    board.clock.advance(10);
    expect(counts).toEqual([4, 6]);
    expect(Array.from(new Uint8Array(serial.read(2) as ArrayBuffer))).toEqual([1, 2]);
    serial.format = "number";
    expect(serial.read()).toBe(3);
  });

  it("an I2C transfer to an absent address throws, as Moddable's does", () => {
    const board = new VirtualBoard();
    const i2c = new board.I2C({ data: 21, clock: 22, hz: 400_000, address: 0x3c });
    expect(() => i2c.write(Uint8Array.of(0))).toThrow("I2C write to 0x3c not acknowledged");
    expect(() => i2c.read(1)).toThrow("I2C read from 0x3c not acknowledged");
  });
});

describe("ESP32 pin rules (VirtualBoard gpio: \"esp32\")", () => {
  it("a button on input-only GPIO34 floats without an external pull-up, and works with one", () => {
    const board = new VirtualBoard({ gpio: "esp32" });
    const emulated = new PushButtons(board, { pins: { opt1: 34, confirm: 4 }, bounceMs: 0 });
    const presses: string[] = [];
    const buttons = new DebouncedButtons({ buttons: [{ name: "opt1", io: board.Digital, pin: 34 }, { name: "confirm", io: board.Digital, pin: 4 }], timers: board.clock, onPress: (n) => presses.push(n) });
    expect(buttons.isPressed("opt1")).toBe(true); // no pull-up: the open input reads low
    emulated.click("opt1");
    emulated.click("confirm");
    board.clock.advance(500);
    expect(presses).toEqual(["confirm"]);
    board.circuit.resistor(34, "up"); // the 10 kΩ the board needs
    board.clock.advance(100);
    emulated.click("opt1");
    board.clock.advance(500);
    expect(presses).toEqual(["confirm", "opt1"]);
  });

  it("input-only and flash pins are refused with the reason", () => {
    const board = new VirtualBoard({ gpio: "esp32" });
    expect(() => new board.Digital({ pin: 35, mode: board.Digital.Output })).toThrow("GPIO35 is input-only on the ESP32: it cannot drive Digital");
    expect(() => new board.Digital({ pin: 7, mode: board.Digital.Input })).toThrow(/GPIO7 is wired to the ESP32 module's flash/);
  });
});

describe("the virtual provider is wired like Moddable's device", () => {
  it("every driver is constructed from board.device exactly as board code does with the builtin device", async () => {
    const board = new VirtualBoard({
      pins: { s0: 39 },
      i2c: { data: 16, clock: 17 },
      serial: { port: 2, receive: 19, transmit: 18 },
    });
    const device: DriverProvider & typeof board.device = board.device;
    const matrix = new KeypadMatrix(board, { rows: [13, 14, 27, 23], columns: [25, 26, 33], labels: ["123", "456", "789", "*0#"] });
    const emulatedButtons = new PushButtons(board, { pins: { confirm: 4 } });
    const module = new FingerprintModule(board, { port: 2 });
    new Atecc608aChip(board, { keySlots: [0] });
    new S0Meter(board, { pin: device.pin.s0, profile: constantLoad(3_600) });

    const keys: string[] = [];
    const presses: string[] = [];
    new MatrixKeypad({ rows: [13, 14, 27, 23].map((pin) => ({ io: device.io.Digital, pin })), columns: [25, 26, 33].map((pin) => ({ io: device.io.Digital, pin })), timers: board.clock, onKey: (k) => keys.push(k) });
    new DebouncedButtons({ buttons: [{ name: "confirm", io: device.io.Digital, pin: 4 }], timers: board.clock, onPress: (n) => presses.push(n) });
    const fingerprint = new R30xFingerprint({ serial: device.Serial.default, timers: board.clock });
    const key = new ATECC608A({ sensor: device.I2C.default, timers: board.clock });
    const pulses = new S0Input({ channel: 0, input: { io: device.io.Digital, pin: device.pin.s0 }, timers: board.clock });

    board.clock.advance(matrix.type("42"));
    emulatedButtons.click("confirm");
    module.store(0, "alice");
    module.placeFinger("alice");
    expect(await board.clock.runUntil(fingerprint.identify())).toMatchObject({ slot: 0 });
    expect(await board.clock.runUntil(key.sign(Uint8Array.of(1)))).toHaveLength(64);
    board.clock.advance(5_000);
    expect(keys).toEqual(["4", "2"]);
    expect(presses).toEqual(["confirm"]);
    expect(pulses.read()).toBeGreaterThanOrEqual(5);
  });
});
