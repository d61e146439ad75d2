// ATECC608A secure element over I2C (address 0x60): the device's ES256 key is
// generated inside the chip and never leaves it. A transaction wakes the chip
// (SDA held low by addressing 0x00 at 100 kHz), checks the wake reply, sends
// each command, waits its execution time, reads and CRC-checks the reply, and
// puts the chip back to sleep. sign() hashes the bytes with SHA-256, loads the
// digest into TempKey with Nonce (pass-through) and signs it with Sign
// (external); the chip's r‖s is normalised to low-S (PROTOCOL §3).
import type { Timers } from "../hal/timers";
import { ALG_ES256, normalizeLowS, sha256Digest } from "../protocol/sig";
import { atcaCrc, encodeCommand, EXECUTION_MS, MODE, OPCODE, STATUS, statusText, WAKE_HIGH_MS, WAKE_REPLY, WORD_ADDRESS } from "./atca";
import type { I2CDevice, I2CSpec } from "./io";
import type { SecureKey } from "./interfaces";

export type SecureElementFailure = "no-wake" | "no-response" | "crc" | "status" | "closed";

export class SecureElementError extends Error {
  readonly reason: SecureElementFailure;
  /** The chip's status byte, when it answered with one. */
  readonly status: number | undefined;

  constructor(reason: SecureElementFailure, message: string, status?: number) {
    super(message);
    this.name = "SecureElementError";
    this.reason = reason;
    this.status = status;
  }
}

export interface Atecc608aOptions {
  /** The I2C bus and address (0x60 by default). */
  sensor: I2CSpec;
  timers: Timers;
  /** Key slot holding the device key; 0 by default. */
  slot?: number;
  /** Wake attempts before giving up; 3 by default. */
  wakeAttempts?: number;
  /** Times a reply with a bad CRC makes the command be sent again; 1 by default. */
  retries?: number;
  /** Between transactions: "sleep" (lowest power, the default) or "idle" (wakes faster, keeps TempKey). */
  rest?: "sleep" | "idle";
  onError?: (error: Error) => void;
}

const OPCODE_NAME: Readonly<Record<number, string>> = Object.freeze({
  [OPCODE.ATCA_INFO]: "Info",
  [OPCODE.ATCA_GENKEY]: "GenKey",
  [OPCODE.ATCA_NONCE]: "Nonce",
  [OPCODE.ATCA_SIGN]: "Sign",
});

const POLL_MS = 2;
const POLLS = 10;

export class ATECC608A implements SecureKey {
  readonly alg = ALG_ES256;
  onError?: (error: Error) => void;
  #io: I2CDevice;
  #wakeIo: I2CDevice;
  #timers: Timers;
  #slot: number;
  #address: number;
  #wakeAttempts: number;
  #retries: number;
  #rest: number;
  #tx = new Uint8Array(8 + 64);
  #wake = new Uint8Array(4);
  #count = new Uint8Array(1);
  #reply = new Uint8Array(75);
  #publicKey: Uint8Array | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: Atecc608aOptions) {
    const sensor = options.sensor;
    this.#address = sensor.address ?? 0x60;
    this.#timers = options.timers;
    this.#slot = options.slot ?? 0;
    if (!Number.isInteger(this.#slot) || this.#slot < 0 || this.#slot > 15) throw new RangeError(`ATECC608A key slot must be 0 to 15, got ${this.#slot}`);
    this.#wakeAttempts = options.wakeAttempts ?? 3;
    this.#retries = options.retries ?? 1;
    this.#rest = options.rest === "idle" ? WORD_ADDRESS.IDLE : WORD_ADDRESS.SLEEP;
    this.onError = options.onError;
    const bus = { data: sensor.data, clock: sensor.clock, port: sensor.port };
    this.#io = new sensor.io({ ...bus, hz: sensor.hz ?? 400_000, address: this.#address });
    // Addressing 0x00 at 100 kHz holds SDA low for 80 µs: the wake condition.
    this.#wakeIo = new sensor.io({ ...bus, hz: 100_000, address: 0x00 });
  }

  get slot(): number {
    return this.#slot;
  }

  /** The chip's revision (Info mode Revision): 00 00 60 02 for an ATECC608A. */
  info(): Promise<Uint8Array> {
    return this.#session(async () => (await this.#execute(OPCODE.ATCA_INFO, MODE.INFO_MODE_REVISION, 0, undefined, 4)).slice());
  }

  /** Makes a new private key inside the slot (replacing any) and returns its public key (65 bytes, uncompressed). */
  generateKey(): Promise<Uint8Array> {
    return this.#session(async () => {
      const point = await this.#execute(OPCODE.ATCA_GENKEY, MODE.GENKEY_MODE_PRIVATE, this.#slot, undefined, 64);
      return (this.#publicKey = uncompressed(point));
    });
  }

  /** The slot's public key (65 bytes, uncompressed); rejects with status 0x0F when the slot holds no key. */
  publicKey(): Promise<Uint8Array> {
    if (this.#publicKey) return Promise.resolve(this.#publicKey.slice());
    return this.#session(async () => {
      const point = await this.#execute(OPCODE.ATCA_GENKEY, MODE.GENKEY_MODE_PUBLIC, this.#slot, undefined, 64);
      this.#publicKey = uncompressed(point);
      return this.#publicKey.slice();
    });
  }

  sign(toBeSigned: Uint8Array): Promise<Uint8Array> {
    const digest = sha256Digest(toBeSigned);
    return this.#session(async () => {
      await this.#execute(OPCODE.ATCA_NONCE, MODE.NONCE_MODE_PASSTHROUGH, 0, digest, 0);
      const signature = await this.#execute(OPCODE.ATCA_SIGN, MODE.SIGN_MODE_EXTERNAL, this.#slot, undefined, 64);
      return normalizeLowS(signature.slice());
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#io.close?.();
    this.#wakeIo.close?.();
  }

  #session<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new SecureElementError("closed", "ATECC608A closed"));
    const once = async () => {
      await this.#wakeUp();
      try {
        return await work();
      } finally {
        this.#sleep(this.#rest);
      }
    };
    // A watchdog warning means the chip would have slept mid-command: sleep, wake afresh and run it again.
    const run = this.#queue.then(() =>
      once().catch((e: unknown) => {
        if (e instanceof SecureElementError && e.status === STATUS.WATCHDOG_ABOUT_TO_EXPIRE) return once();
        throw e;
      }),
    );
    this.#queue = run.catch(() => undefined);
    return run.catch((error: Error) => {
      this.onError?.(error);
      throw error;
    });
  }

  async #wakeUp(): Promise<void> {
    let seen = "no reply";
    for (let attempt = 1; attempt <= this.#wakeAttempts; attempt++) {
      try {
        this.#wakeIo.write(Uint8Array.of(0));
      } catch {
        // Nobody acknowledges address 0x00; the low SDA is all that was wanted.
      }
      await this.#delay(WAKE_HIGH_MS + 0.5);
      try {
        const reply = this.#wake;
        reply.set(new Uint8Array(this.#io.read(4)));
        if (reply[0] === WAKE_REPLY[0] && reply[1] === WAKE_REPLY[1] && reply[2] === WAKE_REPLY[2] && reply[3] === WAKE_REPLY[3]) return;
        seen = `reply ${hex(reply)}`;
        this.#sleep(); // a chip awake from before: start over from sleep
      } catch {
        seen = "no acknowledge";
      }
    }
    throw new SecureElementError(
      "no-wake",
      `ATECC608A at 0x${this.#address.toString(16)} did not wake after ${this.#wakeAttempts} attempts (${seen}): check SDA/SCL wiring, pull-ups and power`,
    );
  }

  #sleep(wordAddress: number = WORD_ADDRESS.SLEEP): void {
    try {
      this.#io.write(Uint8Array.of(wordAddress));
    } catch {
      // Already asleep (the watchdog put it there).
    }
  }

  /** Sends one command and returns the `dataLength` bytes of its reply (a view reused by the next command). */
  async #execute(opcode: number, param1: number, param2: number, data: Uint8Array | undefined, dataLength: number): Promise<Uint8Array> {
    const name = OPCODE_NAME[opcode] ?? `opcode 0x${opcode.toString(16)}`;
    for (let attempt = 0; ; attempt++) {
      const length = encodeCommand(this.#tx, opcode, param1, param2, data);
      try {
        this.#io.write(this.#tx.subarray(0, length));
      } catch {
        throw new SecureElementError("no-response", `ATECC608A did not acknowledge ${name}: it fell asleep or is busy`);
      }
      await this.#delay(EXECUTION_MS[opcode] ?? 5);
      const reply = await this.#receive(name);
      const count = reply.length;
      if (atcaCrc(reply, 0, count - 2) !== (reply[count - 2] | (reply[count - 1] << 8))) {
        if (attempt < this.#retries) continue;
        throw new SecureElementError("crc", `ATECC608A reply to ${name} failed its CRC (${attempt + 1} attempts): check the I2C lines`);
      }
      if (count === 4) {
        const status = reply[1];
        if (status === STATUS.CRC_OR_COMMUNICATION_ERROR && attempt < this.#retries) continue;
        if (status !== STATUS.SUCCESS || dataLength !== 0)
          throw new SecureElementError("status", `ATECC608A ${name} failed: ${statusText(status)}`, status);
        return reply.subarray(1, 1);
      }
      if (count !== dataLength + 3) throw new SecureElementError("crc", `ATECC608A reply to ${name} has ${count - 3} data bytes, expected ${dataLength}`);
      return reply.subarray(1, 1 + dataLength);
    }
  }

  /** Reads a reply, polling while the chip is still executing (it does not acknowledge then). */
  async #receive(name: string): Promise<Uint8Array> {
    for (let poll = 0; ; poll++) {
      try {
        this.#count.set(new Uint8Array(this.#io.read(1))); // count first, then the rest, as cryptoauthlib reads
        break;
      } catch {
        if (poll >= POLLS) throw new SecureElementError("no-response", `ATECC608A gave no reply to ${name}`);
        await this.#delay(POLL_MS);
      }
    }
    const count = this.#count[0];
    if (count < 4 || count > this.#reply.length) throw new SecureElementError("crc", `ATECC608A reply to ${name} has an impossible length ${count}`);
    this.#reply[0] = count;
    this.#reply.set(new Uint8Array(this.#io.read(count - 1)), 1);
    return this.#reply.subarray(0, count);
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.#timers.set(resolve, ms));
  }
}

function uncompressed(point: Uint8Array): Uint8Array {
  const key = new Uint8Array(65);
  key[0] = 0x04;
  key.set(point, 1);
  return key;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** Where the ATECC608A key lives; shaped like the app's KeyStore. */
export class SecureElementKeyStore {
  readonly alg = ALG_ES256;
  readonly description: string;
  #chip: ATECC608A;

  constructor(chip: ATECC608A) {
    this.#chip = chip;
    this.description = `ATECC608A slot ${chip.slot}`;
  }

  /** The chip's key, or undefined when its slot holds none yet (GenKey answers 0x0F). */
  async open(): Promise<SecureKey | undefined> {
    try {
      await this.#chip.publicKey();
      return this.#chip;
    } catch (e) {
      if (e instanceof SecureElementError && e.status === STATUS.EXECUTION_ERROR) return undefined;
      throw e;
    }
  }

  /** Makes a new key inside the chip (replacing any earlier one). */
  async generate(): Promise<SecureKey> {
    await this.#chip.generateKey();
    return this.#chip;
  }
}
