// An emulated ATECC608A on the I2C bus: sleep / wake / idle with the wake
// timing (SDA low ≥ 60 µs, 1.5 ms before it answers) and the 1.3 s watchdog,
// the command packet with its CRC, execution times during which it does not
// acknowledge, status packets, and Info, GenKey, Nonce (pass-through), Sign
// (external) and Random. Its private keys live in #private fields and no
// command returns them. Its randomness (keys, signature nonces) is a
// deterministic DRBG from `seed`, so runs repeat on Node and XS; signatures use
// such a random nonce (not RFC 6979) and come out high-S about half the time,
// as the chip's do.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { p256 } from "@noble/curves/nist.js";
import type { VirtualBoard } from "./board";
import type { I2CTarget } from "./i2c";
import { offMeter } from "./metering";

export type ChipState = "sleep" | "waking" | "awake" | "idle" | "busy";

export interface Atecc608aChipOptions {
  address?: number;
  port?: number;
  /** Seed of the chip's random number generator. */
  seed?: string;
  /** Slots that already hold a key at power-up (as a provisioned chip would). */
  keySlots?: readonly number[];
}

const OPCODE_INFO = 0x30;
const OPCODE_GENKEY = 0x40;
const OPCODE_NONCE = 0x16;
const OPCODE_SIGN = 0x41;
const OPCODE_RANDOM = 0x1b;

/** Typical execution times (ms), a little under cryptoauthlib's maxima. */
const EXECUTION_MS: Readonly<Record<number, number>> = Object.freeze({
  [OPCODE_INFO]: 1,
  [OPCODE_GENKEY]: 85,
  [OPCODE_NONCE]: 7,
  [OPCODE_SIGN]: 60,
  [OPCODE_RANDOM]: 15,
});

const WATCHDOG_MS = 1_300;
const WAKE_HIGH_MS = 1.5;
const REVISION = Object.freeze([0x00, 0x00, 0x60, 0x02]);
const N = p256.Point.Fn.ORDER;

function crc16(bytes: ArrayLike<number>, length: number): number {
  // Written from the datasheet's description: poly 0x8005, data bits LSB first, register MSB first.
  let crc = 0;
  for (let i = 0; i < length; i++)
    for (let bit = 0; bit < 8; bit++) {
      const feedback = ((bytes[i] >> bit) & 1) ^ (crc >> 15);
      crc = ((crc << 1) & 0xffff) ^ (feedback ? 0x8005 : 0);
    }
  return crc;
}

function toBig(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function to32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

function mod(a: bigint): bigint {
  const r = a % N;
  return r < 0n ? r + N : r;
}

/** HMAC-SHA256 counter DRBG: deterministic bytes from a seed. */
class Drbg {
  #key: Uint8Array;
  #counter = 0;

  constructor(seed: string) {
    const text = `atecc608a:${seed}`;
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
    this.#key = sha256(bytes);
  }

  next32(): Uint8Array {
    const c = this.#counter++;
    return hmac(sha256, this.#key, Uint8Array.of(c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff));
  }

  scalar(): bigint {
    for (;;) {
      const k = toBig(this.next32());
      if (k > 0n && k < N) return k;
    }
  }
}

export class Atecc608aChip implements I2CTarget {
  readonly board: VirtualBoard;
  readonly address: number;
  #state: ChipState = "sleep";
  #awakeAt = 0;
  #watchdog: object | undefined;
  #output: number[] = [];
  #readAt = 0;
  #tempKey: Uint8Array | undefined;
  #keys = new Map<number, bigint>();
  #drbg: Drbg;
  #failures: { opcode: number; status: number }[] = [];
  #corrupt = 0;
  #ignoreWakes = 0;
  /** Opcodes executed, in order. */
  readonly executed: number[] = [];
  /** For each Sign: whether the chip's own s was above n/2 (the driver must normalise it). */
  readonly highS: boolean[] = [];
  /** Wake pulses long enough to wake the chip. */
  wakes = 0;

  constructor(board: VirtualBoard, options: Atecc608aChipOptions = {}) {
    this.board = board;
    this.address = options.address ?? 0x60;
    this.#drbg = new Drbg(options.seed ?? "signet");
    for (const slot of options.keySlots ?? []) this.#keys.set(slot, this.#drbg.scalar());
    board.i2cBus(options.port ?? 0).attach(this.address, this);
  }

  get state(): ChipState {
    return this.#state;
  }

  /** Whether a key was generated in `slot` (the key itself is not readable). */
  hasKey(slot: number): boolean {
    return this.#keys.has(slot);
  }

  /** The next command with `opcode` ends in `status` instead of executing. */
  failNext(opcode: number, status: number): void {
    this.#failures.push({ opcode, status });
  }

  /** The next `count` command replies go out with a wrong CRC. */
  corruptReplies(count = 1): void {
    this.#corrupt += count;
  }

  /** The next `count` wake pulses are missed (a brown-out, a marginal pull-up). */
  ignoreWakes(count: number): void {
    this.#ignoreWakes += count;
  }

  sdaLow(us: number): void {
    if (us < 60 || (this.#state !== "sleep" && this.#state !== "idle")) return;
    if (this.#ignoreWakes > 0) {
      this.#ignoreWakes--;
      return;
    }
    this.wakes++;
    const wasIdle = this.#state === "idle";
    this.#state = "waking";
    this.#awakeAt = this.#now() + WAKE_HIGH_MS;
    if (!wasIdle) this.#tempKey = undefined;
    this.#respond([0x11], false);
    this.#watchdog = this.board.clock.set(() => offMeter(() => this.#goToSleep()), WAKE_HIGH_MS + WATCHDOG_MS);
  }

  write(bytes: Uint8Array): boolean {
    if (!this.#listening()) return false;
    switch (bytes[0]) {
      case 0x00: // reset the I/O buffer address
        this.#readAt = 0;
        return true;
      case 0x01:
        this.#goToSleep();
        return true;
      case 0x02:
        this.#state = "idle";
        this.board.clock.clear(this.#watchdog);
        this.#watchdog = undefined;
        return true;
      case 0x03:
        this.#command(bytes.subarray(1));
        return true;
      default:
        return true;
    }
  }

  read(length: number): Uint8Array | null {
    if (!this.#listening()) return null;
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.#readAt < this.#output.length ? this.#output[this.#readAt++] : 0xff;
    return out;
  }

  #now(): number {
    return this.board.clock.now();
  }

  #listening(): boolean {
    if (this.#state === "waking" && this.#now() >= this.#awakeAt) this.#state = "awake";
    return this.#state === "awake";
  }

  #goToSleep(): void {
    this.board.clock.clear(this.#watchdog);
    this.#watchdog = undefined;
    this.#state = "sleep";
    this.#tempKey = undefined;
    this.#output = [];
  }

  #command(packet: Uint8Array): void {
    const count = packet[0];
    if (count < 7 || count !== packet.length || crc16(packet, count - 2) !== (packet[count - 2] | (packet[count - 1] << 8))) return this.#respond([0xff]);
    const opcode = packet[1];
    const param1 = packet[2];
    const param2 = packet[3] | (packet[4] << 8);
    const data = packet.slice(5, count - 2);
    const ms = EXECUTION_MS[opcode] ?? 1;
    const remaining = this.#watchdog ? this.#awakeAt + WATCHDOG_MS - this.#now() : Infinity;
    if (remaining < ms) return this.#respond([0xee]);
    this.#state = "busy";
    this.#output = [];
    this.board.clock.set(() => offMeter(() => this.#complete(opcode, param1, param2, data)), ms);
  }

  #complete(opcode: number, param1: number, param2: number, data: Uint8Array): void {
    if (this.#state !== "busy") return;
    this.#state = "awake";
    this.executed.push(opcode);
    const failure = this.#failures.findIndex((f) => f.opcode === opcode);
    if (failure >= 0) return this.#respond([this.#failures.splice(failure, 1)[0].status]);
    this.#respond(this.#execute(opcode, param1, param2, data));
  }

  #execute(opcode: number, param1: number, param2: number, data: Uint8Array): number[] {
    switch (opcode) {
      case OPCODE_INFO:
        return param1 === 0x00 ? [...REVISION] : [0x03];
      case OPCODE_GENKEY: {
        if (param2 > 15 || (param1 !== 0x04 && param1 !== 0x00)) return [0x03];
        if (param1 === 0x04) this.#keys.set(param2, this.#drbg.scalar());
        const d = this.#keys.get(param2);
        if (d === undefined) return [0x0f];
        return [...p256.getPublicKey(to32(d), false).subarray(1)];
      }
      case OPCODE_NONCE: {
        if ((param1 & 0x03) !== 0x03) return [0x03]; // only pass-through is emulated
        if (data.length !== 32) return [0x03];
        this.#tempKey = data;
        return [0x00];
      }
      case OPCODE_SIGN: {
        if (param1 !== 0x80 || param2 > 15) return [0x03];
        const d = this.#keys.get(param2);
        if (d === undefined || !this.#tempKey) return [0x0f];
        const z = toBig(this.#tempKey);
        this.#tempKey = undefined; // Sign consumes TempKey
        for (;;) {
          const k = this.#drbg.scalar();
          const r = mod(p256.Point.BASE.multiply(k).toAffine().x);
          if (r === 0n) continue;
          const s = mod(p256.Point.Fn.inv(k) * mod(z + r * d));
          if (s === 0n) continue;
          this.highS.push(s > N >> 1n);
          return [...to32(r), ...to32(s)];
        }
      }
      case OPCODE_RANDOM:
        return [...this.#drbg.next32()];
      default:
        return [0x03];
    }
  }

  #respond(data: number[], command = true): void {
    const packet = [data.length + 3, ...data];
    let crc = crc16(packet, packet.length);
    if (command && this.#corrupt > 0) {
      this.#corrupt--;
      crc ^= 0x0101;
    }
    packet.push(crc & 0xff, crc >> 8);
    this.#output = packet;
    this.#readAt = 0;
  }
}
