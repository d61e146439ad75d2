import { describe, expect, it } from "vitest";
import { atcaCrc, encodeCommand, MODE, OPCODE, STATUS, WAKE_REPLY } from "../../firmware/drivers/atca.ts";
import { ATECC608A, SecureElementError } from "../../firmware/drivers/atecc608a.ts";
import { isLowS, verifyMessage, ALG_ES256 } from "../../firmware/protocol/index.ts";
import { Atecc608aChip } from "../../simulator/hardware/atecc608a.ts";
import { VirtualBoard } from "../../simulator/hardware/board.ts";

function setup(options: { keySlots?: number[]; seed?: string } = {}) {
  const board = new VirtualBoard();
  const chip = new Atecc608aChip(board, { seed: options.seed ?? "test", keySlots: options.keySlots });
  const errors: Error[] = [];
  const key = new ATECC608A({ sensor: { io: board.I2C, data: 21, clock: 22 }, timers: board.clock, onError: (e) => errors.push(e) });
  return { board, clock: board.clock, chip, key, errors };
}

const message = (n: number) => Uint8Array.from({ length: 100 }, (_, i) => (i * 7 + n) & 0xff);

describe("ATECC608A bytes pinned to Microchip's cryptoauthlib", () => {
  it("opcodes and modes are calib_command.h's", () => {
    expect([OPCODE.ATCA_INFO, OPCODE.ATCA_GENKEY, OPCODE.ATCA_NONCE, OPCODE.ATCA_SIGN]).toEqual([0x30, 0x40, 0x16, 0x41]);
    expect([MODE.GENKEY_MODE_PRIVATE, MODE.NONCE_MODE_PASSTHROUGH, MODE.SIGN_MODE_EXTERNAL]).toEqual([0x04, 0x03, 0x80]);
    expect(Object.values(STATUS)).toEqual([0x00, 0x01, 0x03, 0x05, 0x07, 0x0f, 0x11, 0xee, 0xff]);
  });

  it("atCRC: the wake reply 04 11 carries CRC 33 43, Info(Revision) 07 30 00 00 00 carries 03 5D", () => {
    const wake = atcaCrc([0x04, 0x11]);
    expect([wake & 0xff, wake >> 8]).toEqual([WAKE_REPLY[2], WAKE_REPLY[3]]);
    expect([0x33, 0x43]).toEqual([WAKE_REPLY[2], WAKE_REPLY[3]]);
    const info = atcaCrc([0x07, 0x30, 0x00, 0x00, 0x00]);
    expect([info & 0xff, info >> 8]).toEqual([0x03, 0x5d]);
  });

  it("the Info(Revision) command packet is byte-identical to cryptoauthlib's, word address first", () => {
    const out = new Uint8Array(16);
    const n = encodeCommand(out, OPCODE.ATCA_INFO, MODE.INFO_MODE_REVISION, 0);
    expect(Array.from(out.subarray(0, n))).toEqual([0x03, 0x07, 0x30, 0x00, 0x00, 0x00, 0x03, 0x5d]);
  });

  it("the driver wakes the chip with SDA low, then sends that same Info packet", async () => {
    const { board, clock, key } = setup();
    const bus = board.i2cBus(0);
    bus.logging = true;
    expect(Array.from(await clock.runUntil(key.info()))).toEqual([0x00, 0x00, 0x60, 0x02]);
    expect(bus.log).toEqual(["w 0x0 00", "r 0x60 4", "w 0x60 03 07 30 00 00 00 03 5d", "r 0x60 1", "r 0x60 6", "w 0x60 01"]);
  });
});

describe("ATECC608A driver against the emulated chip", () => {
  it("a key generated in the chip signs a message that verifies under PROTOCOL §3, always low-S", async () => {
    const { clock, chip, key } = setup();
    const publicKey = await clock.runUntil(key.generateKey());
    expect(publicKey).toHaveLength(65);
    expect(chip.hasKey(0)).toBe(true);
    for (let i = 0; i < 6; i++) {
      const signature = await clock.runUntil(key.sign(message(i)));
      expect(signature).toHaveLength(64);
      expect(isLowS(signature)).toBe(true);
      expect(verifyMessage(ALG_ES256, publicKey, message(i), signature)).toBe(true);
      expect(verifyMessage(ALG_ES256, publicKey, message(i + 1), signature)).toBe(false);
    }
    // The chip's own signatures were high-S some of the time: the driver normalised them.
    expect(chip.highS).toContain(true);
    expect(chip.highS).toContain(false);
    expect(chip.state).toBe("sleep");
  });

  it("sign sends Nonce (pass-through, the SHA-256 digest) then Sign (external), between one wake and one sleep", async () => {
    const { clock, chip, key } = setup({ keySlots: [0] });
    const before = chip.wakes;
    await clock.runUntil(key.sign(message(1)));
    expect(chip.executed).toEqual([OPCODE.ATCA_NONCE, OPCODE.ATCA_SIGN]);
    expect(chip.wakes - before).toBe(1);
    expect(chip.state).toBe("sleep");
  });

  it("rest: idle leaves the chip idle between transactions, and the next wake works from idle", async () => {
    const board = new VirtualBoard();
    const chip = new Atecc608aChip(board, { keySlots: [0] });
    const key = new ATECC608A({ sensor: { io: board.I2C, data: 21, clock: 22 }, timers: board.clock, rest: "idle" });
    await board.clock.runUntil(key.info());
    expect(chip.state).toBe("idle");
    board.clock.advance(5_000); // no watchdog while idle
    expect(chip.state).toBe("idle");
    expect(await board.clock.runUntil(key.sign(message(3)))).toHaveLength(64);
  });

  it("the public key of a provisioned slot is read back without changing it", async () => {
    const { clock, key } = setup({ keySlots: [0] });
    const first = await clock.runUntil(key.publicKey());
    const signature = await clock.runUntil(key.sign(message(9)));
    expect(verifyMessage(ALG_ES256, first, message(9), signature)).toBe(true);
  });

  it("the public key of an empty slot is an execution error (status 0x0F) with its meaning", async () => {
    const { clock, key, errors } = setup();
    const error = await clock.runUntil(key.publicKey()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecureElementError);
    expect(error).toMatchObject({ reason: "status", status: 0x0f, message: "ATECC608A GenKey failed: execution error (slot not configured for this, or no key in it)" });
    expect(errors).toHaveLength(1);
  });

  it("an execution error from Sign is reported, and the next sign works", async () => {
    const { clock, chip, key } = setup({ keySlots: [0] });
    chip.failNext(OPCODE.ATCA_SIGN, STATUS.ECC_FAULT);
    await expect(clock.runUntil(key.sign(message(2)))).rejects.toMatchObject({ status: 0x05 });
    expect(await clock.runUntil(key.sign(message(2)))).toHaveLength(64);
  });

  it("a watchdog warning (0xEE) makes the driver start the transaction again from a fresh wake", async () => {
    const { clock, chip, key } = setup({ keySlots: [0] });
    chip.failNext(OPCODE.ATCA_SIGN, STATUS.WATCHDOG_ABOUT_TO_EXPIRE);
    const wakes = chip.wakes;
    expect(await clock.runUntil(key.sign(message(4)))).toHaveLength(64);
    expect(chip.executed).toEqual([OPCODE.ATCA_NONCE, OPCODE.ATCA_SIGN, OPCODE.ATCA_NONCE, OPCODE.ATCA_SIGN]);
    expect(chip.wakes - wakes).toBe(2);
  });

  it("a reply with a bad CRC makes the driver send the command again", async () => {
    const { clock, chip, key } = setup({ keySlots: [0] });
    chip.corruptReplies(1);
    await clock.runUntil(key.info());
    expect(chip.executed).toEqual([OPCODE.ATCA_INFO, OPCODE.ATCA_INFO]);
  });

  it("a missed wake is retried; a chip that never wakes is reported with what to check", async () => {
    const { clock, chip, key } = setup();
    chip.ignoreWakes(2);
    expect(Array.from(await clock.runUntil(key.info()))).toEqual([0x00, 0x00, 0x60, 0x02]);
    chip.ignoreWakes(3);
    await expect(clock.runUntil(key.info())).rejects.toMatchObject({
      reason: "no-wake",
      message: "ATECC608A at 0x60 did not wake after 3 attempts (no acknowledge): check SDA/SCL wiring, pull-ups and power",
    });
  });

  it("a missing chip is a wake failure, not a hang", async () => {
    const board = new VirtualBoard();
    const key = new ATECC608A({ sensor: { io: board.I2C, data: 21, clock: 22 }, timers: board.clock });
    await expect(board.clock.runUntil(key.sign(message(0)))).rejects.toMatchObject({ reason: "no-wake" });
  });

  it("the emulated chip honours its protocol: no answer while asleep, 0xFF for a bad CRC, 0xEE near the watchdog", () => {
    const board = new VirtualBoard();
    const chip = new Atecc608aChip(board);
    const io = new board.I2C({ data: 21, clock: 22, hz: 400_000, address: 0x60 });
    const wake = new board.I2C({ data: 21, clock: 22, hz: 100_000, address: 0 });
    expect(() => io.read(4)).toThrow(/not acknowledged/);
    expect(() => wake.write(Uint8Array.of(0))).toThrow(); // nobody at 0x00, but the chip woke
    expect(() => io.read(4)).toThrow(/not acknowledged/); // not before tWHI
    board.clock.advance(2);
    expect(Array.from(new Uint8Array(io.read(4)))).toEqual([0x04, 0x11, 0x33, 0x43]);
    io.write(Uint8Array.of(0x03, 0x07, 0x30, 0x00, 0x00, 0x00, 0x03, 0x5e));
    const status = new Uint8Array(io.read(4));
    expect([status[0], status[1]]).toEqual([0x04, 0xff]);
    expect(atcaCrc(status, 0, 2)).toBe(status[2] | (status[3] << 8));
    board.clock.advance(1_290);
    const packet = new Uint8Array(8);
    encodeCommand(packet, OPCODE.ATCA_SIGN, 0x80, 0);
    io.write(packet);
    expect(new Uint8Array(io.read(4))[1]).toBe(0xee);
    board.clock.advance(20);
    expect(chip.state).toBe("sleep");
  });
});
