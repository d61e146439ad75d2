// R30x / R503 / AS608 fingerprint module over a UART. One command at a time:
// send a command packet, wait for the acknowledge packet, act on its
// confirmation code. Identify = capture → image to CharBuffer 1 → search the
// library; enroll = two captures (lift in between) → register model → store.
// A damaged reply is asked for again (`retries`), a silent module is reported
// after `responseTimeoutMs`, and every failure rejects with a FingerprintError
// saying what to check.
import type { Timers, TimerHandle } from "../hal/timers";
import type { SerialPort, SerialSpec } from "./io";
import type { Fingerprint, FingerprintMatch } from "./interfaces";
import { CONFIRMATION, confirmationText, DEFAULT_ADDRESS, encodePacket, INSTRUCTION, PACKET_OVERHEAD, PacketReader, PID, type PacketFault } from "./fingerprint-packet";

export type FingerprintFailure = "no-response" | "bad-packet" | "no-finger" | "poor-image" | "mismatch" | "module" | "closed";

export class FingerprintError extends Error {
  readonly reason: FingerprintFailure;
  /** The module's confirmation code, when the module refused. */
  readonly code: number | undefined;

  constructor(reason: FingerprintFailure, message: string, code?: number) {
    super(message);
    this.name = "FingerprintError";
    this.reason = reason;
    this.code = code;
  }
}

export interface FingerprintParameters {
  readonly statusRegister: number;
  readonly systemId: number;
  /** Library size in templates (pages). */
  readonly capacity: number;
  readonly securityLevel: number;
  readonly address: number;
  /** Data packet size in bytes (32, 64, 128 or 256). */
  readonly packetBytes: number;
  readonly baud: number;
}

export interface FingerprintOptions {
  serial: SerialSpec;
  timers: Timers;
  /** Module address; 0xFFFFFFFF by default. */
  address?: number;
  /** Module password; 0 by default. */
  password?: number;
  /** How long to wait for a reply to one command; 2000 ms by default. */
  responseTimeoutMs?: number;
  /** How often to look for a finger while waiting for one; 100 ms by default. */
  pollMs?: number;
  /** How many times a damaged reply is asked for again; 1 by default. */
  retries?: number;
  onError?: (error: Error) => void;
}

const INSTRUCTION_NAME: Readonly<Record<number, string>> = Object.freeze({
  [INSTRUCTION.GEN_IMG]: "GenImg",
  [INSTRUCTION.IMG_2_TZ]: "Img2Tz",
  [INSTRUCTION.SEARCH]: "Search",
  [INSTRUCTION.REG_MODEL]: "RegModel",
  [INSTRUCTION.STORE]: "Store",
  [INSTRUCTION.DELETE_CHAR]: "DeletChar",
  [INSTRUCTION.EMPTY]: "Empty",
  [INSTRUCTION.READ_SYS_PARA]: "ReadSysPara",
  [INSTRUCTION.VFY_PWD]: "VfyPwd",
  [INSTRUCTION.TEMPLATE_NUM]: "TempleteNum",
});

interface Pending {
  instruction: number;
  length: number;
  attempts: number;
  timer: TimerHandle | undefined;
  resolve(payload: Uint8Array): void;
  reject(error: Error): void;
}

export class R30xFingerprint implements Fingerprint {
  onError?: (error: Error) => void;
  #serial: SerialPort;
  #timers: Timers;
  #address: number;
  #password: number;
  #timeoutMs: number;
  #pollMs: number;
  #retries: number;
  #baud: number;
  #tx = new Uint8Array(PACKET_OVERHEAD + 16);
  #params = new Uint8Array(16);
  #reader: PacketReader;
  #pending: Pending | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #parameters: FingerprintParameters | undefined;
  #closed = false;

  constructor(options: FingerprintOptions) {
    const spec = options.serial;
    this.#timers = options.timers;
    this.#address = (options.address ?? DEFAULT_ADDRESS) >>> 0;
    this.#password = (options.password ?? 0) >>> 0;
    this.#timeoutMs = options.responseTimeoutMs ?? 2_000;
    this.#pollMs = options.pollMs ?? 100;
    this.#retries = options.retries ?? 1;
    this.#baud = spec.baud ?? 57_600;
    this.onError = options.onError;
    this.#reader = new PacketReader(
      this.#address,
      (pid, payload) => this.#packet(pid, payload),
      (fault) => this.#fault(fault),
    );
    this.#serial = new spec.io({
      port: spec.port,
      receive: spec.receive,
      transmit: spec.transmit,
      baud: this.#baud,
      format: "buffer",
      onReadable: () => this.#readable(),
    });
  }

  /** Checks the password and reads the module's parameters (done before the first operation anyway). */
  connect(): Promise<FingerprintParameters> {
    return this.#exclusive(() => this.#connect());
  }

  identify(timeoutMs = 10_000): Promise<FingerprintMatch | null> {
    return this.#exclusive(async () => {
      const { capacity } = await this.#connect();
      const deadline = this.#timers.now() + timeoutMs;
      await this.#capture(1, deadline, timeoutMs);
      const reply = await this.#command(INSTRUCTION.SEARCH, 1, 0, 0, capacity >> 8, capacity & 0xff);
      if (reply[0] === CONFIRMATION.NOT_FOUND) return null;
      this.#expect(INSTRUCTION.SEARCH, reply);
      return Object.freeze({ slot: (reply[1] << 8) | reply[2], confidence: (reply[3] << 8) | reply[4] });
    });
  }

  enroll(slot: number, onStep?: (step: "place" | "lift" | "place-again") => void, timeoutMs = 20_000): Promise<void> {
    return this.#exclusive(async () => {
      const { capacity } = await this.#connect();
      if (!Number.isInteger(slot) || slot < 0 || slot >= capacity) throw new RangeError(`fingerprint slot must be 0 to ${capacity - 1}, got ${slot}`);
      const deadline = this.#timers.now() + timeoutMs;
      onStep?.("place");
      await this.#capture(1, deadline, timeoutMs);
      onStep?.("lift");
      await this.#waitForLift(deadline, timeoutMs);
      onStep?.("place-again");
      await this.#capture(2, deadline, timeoutMs);
      const merged = await this.#command(INSTRUCTION.REG_MODEL);
      if (merged[0] === CONFIRMATION.ENROLL_MISMATCH)
        throw new FingerprintError("mismatch", "fingerprint enrolment: the two captures are not the same finger; start again", merged[0]);
      this.#expect(INSTRUCTION.REG_MODEL, merged);
      this.#expect(INSTRUCTION.STORE, await this.#command(INSTRUCTION.STORE, 1, slot >> 8, slot & 0xff));
    });
  }

  delete(slot: number): Promise<void> {
    return this.#exclusive(async () => {
      await this.#connect();
      this.#expect(INSTRUCTION.DELETE_CHAR, await this.#command(INSTRUCTION.DELETE_CHAR, slot >> 8, slot & 0xff, 0, 1));
    });
  }

  /** Deletes every template in the library (a board being re-provisioned). */
  empty(): Promise<void> {
    return this.#exclusive(async () => {
      await this.#connect();
      this.#expect(INSTRUCTION.EMPTY, await this.#command(INSTRUCTION.EMPTY));
    });
  }

  count(): Promise<number> {
    return this.#exclusive(async () => {
      await this.#connect();
      const reply = this.#expect(INSTRUCTION.TEMPLATE_NUM, await this.#command(INSTRUCTION.TEMPLATE_NUM));
      return (reply[1] << 8) | reply[2];
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) {
      this.#timers.clear(pending.timer);
      pending.reject(new FingerprintError("closed", "fingerprint reader closed"));
    }
    this.#serial.close();
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new FingerprintError("closed", "fingerprint reader closed"));
    const run = this.#queue.then(operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #connect(): Promise<FingerprintParameters> {
    if (this.#parameters) return this.#parameters;
    const p = this.#password;
    const verified = await this.#command(INSTRUCTION.VFY_PWD, p >>> 24, (p >>> 16) & 0xff, (p >>> 8) & 0xff, p & 0xff);
    if (verified[0] === CONFIRMATION.PASS_FAIL) throw new FingerprintError("module", "fingerprint module refused the password: configure the module's password", verified[0]);
    this.#expect(INSTRUCTION.VFY_PWD, verified);
    const r = this.#expect(INSTRUCTION.READ_SYS_PARA, await this.#command(INSTRUCTION.READ_SYS_PARA));
    if (r.length < 17) throw new FingerprintError("bad-packet", `fingerprint module: ReadSysPara reply has ${r.length - 1} bytes, expected 16`);
    const word = (i: number) => (r[i] << 8) | r[i + 1];
    this.#parameters = Object.freeze({
      statusRegister: word(1),
      systemId: word(3),
      capacity: word(5),
      securityLevel: word(7),
      address: ((r[9] << 24) | (r[10] << 16) | (r[11] << 8) | r[12]) >>> 0,
      packetBytes: 32 << word(13),
      baud: word(15) * 9_600,
    });
    return this.#parameters;
  }

  /** Waits for a finger and turns its image into CharBuffer `buffer`, capturing again after a poor image. */
  async #capture(buffer: number, deadline: number, timeoutMs: number): Promise<void> {
    let poor = 0;
    for (;;) {
      const image = await this.#command(INSTRUCTION.GEN_IMG);
      if (image[0] === CONFIRMATION.OK) {
        const converted = await this.#command(INSTRUCTION.IMG_2_TZ, buffer);
        if (converted[0] === CONFIRMATION.OK) return;
        const code = converted[0];
        if (code !== CONFIRMATION.IMAGE_MESS && code !== CONFIRMATION.FEATURE_FAIL && code !== CONFIRMATION.INVALID_IMAGE) this.#expect(INSTRUCTION.IMG_2_TZ, converted);
        poor = code;
      } else if (image[0] !== CONFIRMATION.NO_FINGER && image[0] !== CONFIRMATION.IMAGE_FAIL) this.#expect(INSTRUCTION.GEN_IMG, image);
      if (this.#timers.now() >= deadline) {
        if (poor) throw new FingerprintError("poor-image", `fingerprint: ${confirmationText(poor)}; clean the sensor and place the finger flat`, poor);
        throw new FingerprintError("no-finger", `fingerprint: no finger placed within ${timeoutMs} ms`);
      }
      await this.#sleep(this.#pollMs);
    }
  }

  async #waitForLift(deadline: number, timeoutMs: number): Promise<void> {
    for (;;) {
      const image = await this.#command(INSTRUCTION.GEN_IMG);
      if (image[0] === CONFIRMATION.NO_FINGER) return;
      if (this.#timers.now() >= deadline) throw new FingerprintError("no-finger", `fingerprint: finger not lifted within ${timeoutMs} ms`);
      await this.#sleep(this.#pollMs);
    }
  }

  #expect(instruction: number, reply: Uint8Array): Uint8Array {
    if (reply[0] !== CONFIRMATION.OK)
      throw new FingerprintError("module", `fingerprint module: ${INSTRUCTION_NAME[instruction]} failed: ${confirmationText(reply[0])}`, reply[0]);
    return reply;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#timers.set(resolve, ms));
  }

  /** Sends one command packet and resolves with the acknowledge payload (confirmation code first). */
  #command(instruction: number, ...params: number[]): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new FingerprintError("closed", "fingerprint reader closed"));
    const payload = this.#params;
    payload[0] = instruction;
    for (let i = 0; i < params.length; i++) payload[1 + i] = params[i];
    const length = encodePacket(this.#tx, this.#address, PID.COMMAND, payload, 1 + params.length);
    return new Promise((resolve, reject) => {
      this.#pending = { instruction, length, attempts: 0, timer: undefined, resolve, reject };
      this.#send();
    });
  }

  #send(): void {
    const pending = this.#pending!;
    pending.attempts++;
    this.#reader.reset();
    this.#serial.write(this.#tx.subarray(0, pending.length));
    pending.timer = this.#timers.set(() => {
      if (this.#pending !== pending) return;
      this.#pending = undefined;
      const error = new FingerprintError(
        "no-response",
        `fingerprint module did not answer ${INSTRUCTION_NAME[pending.instruction]} within ${this.#timeoutMs} ms: check power, TX/RX wiring and ${this.#baud} baud`,
      );
      this.onError?.(error);
      pending.reject(error);
    }, this.#timeoutMs);
  }

  #readable(): void {
    for (;;) {
      const chunk = this.#serial.read();
      if (chunk === undefined) return;
      this.#reader.push(typeof chunk === "number" ? Uint8Array.of(chunk) : new Uint8Array(chunk));
    }
  }

  #packet(pid: number, payload: Uint8Array): void {
    const pending = this.#pending;
    if (!pending) return; // a reply nobody waits for any more
    if (pid !== PID.ACK || payload.length < 1) return this.#fault("bad-checksum");
    this.#pending = undefined;
    this.#timers.clear(pending.timer);
    pending.resolve(payload.slice());
  }

  #fault(fault: PacketFault): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#timers.clear(pending.timer);
    if (pending.attempts <= this.#retries) return this.#send();
    this.#pending = undefined;
    const what = fault === "bad-checksum" ? "a reply with a bad checksum" : fault === "bad-address" ? "a reply from another address" : "an oversized reply";
    const error = new FingerprintError("bad-packet", `fingerprint module sent ${what} to ${INSTRUCTION_NAME[pending.instruction]} (${pending.attempts} attempts): check the baud rate and wiring`);
    this.onError?.(error);
    pending.reject(error);
  }
}
