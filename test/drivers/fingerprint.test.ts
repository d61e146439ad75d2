import { describe, expect, it } from "vitest";
import { FingerprintError, R30xFingerprint } from "../../firmware/drivers/fingerprint.ts";
import { CONFIRMATION, encodePacket, INSTRUCTION, PacketReader, PID } from "../../firmware/drivers/fingerprint-packet.ts";
import { VirtualBoard } from "../../simulator/hardware/board.ts";
import { FingerprintModule } from "../../simulator/hardware/fingerprint.ts";

const PORT = 1;

function setup(options: { capacity?: number; password?: number; driverPassword?: number; baud?: number } = {}) {
  const board = new VirtualBoard();
  const module = new FingerprintModule(board, { port: PORT, capacity: options.capacity, password: options.password });
  const errors: Error[] = [];
  const reader = new R30xFingerprint({
    serial: { io: board.Serial, port: PORT, receive: 16, transmit: 17, baud: options.baud },
    timers: board.clock,
    password: options.driverPassword,
    onError: (e) => errors.push(e),
  });
  return { board, clock: board.clock, module, reader, errors };
}

function packet(pid: number, payload: number[], address = 0xffffffff): number[] {
  const out = new Uint8Array(11 + payload.length);
  return Array.from(out.subarray(0, encodePacket(out, address, pid, payload)));
}

describe("fingerprint packet bytes pinned to the reference (Adafruit-Fingerprint-Sensor-Library, R30x datasheet)", () => {
  it("command codes are the datasheet's", () => {
    expect([INSTRUCTION.GEN_IMG, INSTRUCTION.IMG_2_TZ, INSTRUCTION.SEARCH, INSTRUCTION.REG_MODEL, INSTRUCTION.STORE]).toEqual([0x01, 0x02, 0x04, 0x05, 0x06]);
    expect([INSTRUCTION.DELETE_CHAR, INSTRUCTION.READ_SYS_PARA, INSTRUCTION.VFY_PWD, INSTRUCTION.HIGH_SPEED_SEARCH, INSTRUCTION.TEMPLATE_NUM]).toEqual([0x0c, 0x0f, 0x13, 0x1b, 0x1d]);
    expect([PID.COMMAND, PID.DATA, PID.ACK, PID.END_DATA]).toEqual([0x01, 0x02, 0x07, 0x08]);
    expect([CONFIRMATION.NO_FINGER, CONFIRMATION.NOT_FOUND, CONFIRMATION.ENROLL_MISMATCH, CONFIRMATION.PASS_FAIL]).toEqual([0x02, 0x09, 0x0a, 0x13]);
  });

  it("GenImg and VfyPwd(0) packets are byte-identical to writeStructuredPacket's", () => {
    // EF01, address FFFFFFFF, PID 01, length = payload + 2, checksum = PID + length bytes + payload.
    expect(packet(PID.COMMAND, [0x01])).toEqual([0xef, 0x01, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x03, 0x01, 0x00, 0x05]);
    expect(packet(PID.COMMAND, [0x13, 0, 0, 0, 0])).toEqual([0xef, 0x01, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x07, 0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1b]);
    // Adafruit's fingerFastSearch: HighSpeedSearch CharBuffer 1, pages 0x0000 … 0x00A3.
    expect(packet(PID.COMMAND, [0x1b, 0x01, 0x00, 0x00, 0x00, 0xa3])).toEqual([0xef, 0x01, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x08, 0x1b, 0x01, 0x00, 0x00, 0x00, 0xa3, 0x00, 0xc8]);
  });

  it("the reader reassembles a reply split anywhere, after line noise", () => {
    const got: number[][] = [];
    const faults: string[] = [];
    const reader = new PacketReader(0xffffffff, (pid, payload) => got.push([pid, ...payload]), (f) => faults.push(f));
    const bytes = [0x00, 0x55, ...packet(PID.ACK, [0x00, 0x00, 0x05, 0x00, 0x64])];
    for (const b of bytes) reader.push(Uint8Array.of(b));
    const bad = packet(PID.ACK, [0x09]);
    bad[bad.length - 1] ^= 1;
    reader.push(Uint8Array.from(bad));
    expect(got).toEqual([[0x07, 0x00, 0x00, 0x05, 0x00, 0x64]]);
    expect(faults).toEqual(["bad-checksum"]);
  });
});

describe("fingerprint reader against the emulated module", () => {
  it("the driver's first bytes on the wire are VfyPwd then ReadSysPara", async () => {
    const { clock, module, reader } = setup({ capacity: 300 });
    const parameters = await clock.runUntil(reader.connect());
    expect(parameters).toMatchObject({ capacity: 300, securityLevel: 3, address: 0xffffffff, packetBytes: 128, baud: 57_600 });
    expect(module.link.sent.slice(0, 16)).toEqual(packet(PID.COMMAND, [0x13, 0, 0, 0, 0]));
    expect(module.received).toEqual([0x13, 0x0f]);
  });

  it("a voter enrolled at slot 7 is identified with a confidence, and another finger is not", async () => {
    const { clock, module, reader } = setup();
    const steps: string[] = [];
    const enrolment = reader.enroll(7, (step) => {
      steps.push(step);
      if (step === "place" || step === "place-again") clock.set(() => module.placeFinger("alice-right-index"), 400);
      if (step === "lift") clock.set(() => module.liftFinger(), 300);
    });
    await clock.runUntil(enrolment);
    expect(steps).toEqual(["place", "lift", "place-again"]);
    expect(module.templateAt(7)).toBe("alice-right-index");
    module.liftFinger();

    clock.set(() => module.placeFinger("alice-right-index"), 1_000);
    const match = await clock.runUntil(reader.identify());
    expect(match?.slot).toBe(7);
    expect(match?.confidence).toBeGreaterThan(50);
    module.liftFinger();

    module.placeFinger("mallory-thumb");
    expect(await clock.runUntil(reader.identify())).toBeNull();
    expect(await clock.runUntil(reader.count())).toBe(1);
  });

  it("enrolment with two different fingers fails and stores nothing", async () => {
    const { clock, module, reader } = setup();
    const enrolment = reader.enroll(3, (step) => {
      if (step === "place") module.placeFinger("bob-index");
      if (step === "lift") module.liftFinger();
      if (step === "place-again") module.placeFinger("bob-middle");
    });
    await expect(clock.runUntil(enrolment)).rejects.toMatchObject({ reason: "mismatch" });
    expect(module.templateAt(3)).toBeUndefined();
  });

  it("delete removes the template and the count follows", async () => {
    const { clock, module, reader } = setup();
    module.store(1, "carol");
    module.store(2, "dave");
    await clock.runUntil(reader.delete(1));
    expect(module.templateAt(1)).toBeUndefined();
    expect(await clock.runUntil(reader.count())).toBe(1);
  });

  it("empty clears the whole library", async () => {
    const { clock, module, reader } = setup();
    module.store(0, "gina");
    module.store(199, "hank");
    await clock.runUntil(reader.empty());
    expect(await clock.runUntil(reader.count())).toBe(0);
    expect(module.templateAt(199)).toBeUndefined();
  });

  it("identify times out with a clear error when no finger comes", async () => {
    const { clock, reader } = setup();
    const error = await clock.runUntil(reader.identify(3_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FingerprintError);
    expect(error).toMatchObject({ reason: "no-finger", message: "fingerprint: no finger placed within 3000 ms" });
  });

  it("a smudged finger is captured again until it is clean", async () => {
    const { clock, module, reader } = setup();
    module.store(0, "erin");
    module.placeFinger("erin", "smudged");
    clock.set(() => module.placeFinger("erin"), 700);
    expect(await clock.runUntil(reader.identify())).toMatchObject({ slot: 0 });
  });

  it("a reply with a bad checksum is asked for again", async () => {
    const { clock, module, reader } = setup();
    await clock.runUntil(reader.connect());
    module.corruptReplies(1);
    expect(await clock.runUntil(reader.count())).toBe(0);
    expect(module.received.filter((i) => i === 0x1d)).toHaveLength(2);
  });

  it("replies that keep failing their checksum end in a bad-packet error", async () => {
    const { clock, module, reader, errors } = setup();
    await clock.runUntil(reader.connect());
    module.corruptReplies(5);
    await expect(clock.runUntil(reader.count())).rejects.toThrow(/bad checksum to TempleteNum \(2 attempts\)/);
    expect(errors).toHaveLength(1);
  });

  it("a module that does not answer is reported after the response timeout", async () => {
    const { clock, module, reader } = setup();
    module.silent = true;
    const started = clock.now();
    await expect(clock.runUntil(reader.count())).rejects.toMatchObject({
      reason: "no-response",
      message: "fingerprint module did not answer VfyPwd within 2000 ms: check power, TX/RX wiring and 57600 baud",
    });
    expect(clock.now() - started).toBe(2_000);
  });

  it("a driver at the wrong baud rate gets garbage, not answers", async () => {
    const { clock, reader } = setup({ baud: 115_200 });
    await expect(clock.runUntil(reader.count())).rejects.toMatchObject({ reason: "no-response" });
  });

  it("an error confirmation is reported with the datasheet's meaning", async () => {
    const { clock, module, reader } = setup();
    module.failNext(INSTRUCTION.DELETE_CHAR, CONFIRMATION.DELETE_FAIL);
    await expect(clock.runUntil(reader.delete(4))).rejects.toMatchObject({
      reason: "module",
      code: 0x10,
      message: "fingerprint module: DeletChar failed: failed to delete the template",
    });
  });

  it("a module with a password refuses a driver without it", async () => {
    const { clock, reader } = setup({ password: 0x1234 });
    await expect(clock.runUntil(reader.count())).rejects.toThrow(/refused the password/);
    const ok = setup({ password: 0x1234, driverPassword: 0x1234 });
    expect(await ok.clock.runUntil(ok.reader.count())).toBe(0);
  });

  it("operations queue: a count asked during identify runs after it", async () => {
    const { clock, module, reader } = setup();
    module.store(5, "frank");
    module.placeFinger("frank");
    const order: string[] = [];
    const identify = reader.identify().then(() => order.push("identify"));
    const count = reader.count().then(() => order.push("count"));
    await clock.runUntil(Promise.all([identify, count]));
    expect(order).toEqual(["identify", "count"]);
  });
});
