// An emulated R30x / R503 / AS608 fingerprint module on a UART. It speaks the
// module's packet protocol byte for byte (its own codec, written from the
// datasheet, not the driver's), keeps a template library in "flash", and a
// test puts a finger on it: placeFinger("alice-right-index"). The same finger
// matches what was enrolled from it; any other finger does not.
import type { VirtualBoard } from "./board";
import { offMeter } from "./metering";
import type { UartLink, UartPart } from "./serial";

export type FingerQuality = "good" | "smudged" | "partial";

export interface FingerprintModuleOptions {
  /** MCU UART port the module is wired to. */
  port: number;
  baud?: number;
  address?: number;
  password?: number;
  /** Library size (R503: 200, AS608: 300, R307: 1000); 200 by default. */
  capacity?: number;
  securityLevel?: number;
}

const OK = 0x00;
const PACKET_RECEIVE_ERR = 0x01;
const NO_FINGER = 0x02;
const IMAGE_MESS = 0x06;
const FEATURE_FAIL = 0x07;
const NOT_FOUND = 0x09;
const ENROLL_MISMATCH = 0x0a;
const BAD_LOCATION = 0x0b;
const INVALID_IMAGE = 0x15;
const INVALID_REG = 0x1a;
const PASS_FAIL = 0x13;
const VERIFY_PASSWORD_FIRST = 0x21;

/** Processing time per instruction in ms, roughly as the datasheets give them. */
const PROCESSING_MS: Readonly<Record<number, number>> = Object.freeze({
  0x01: 120, // GenImg with a finger; 30 ms without
  0x02: 60, // Img2Tz
  0x04: 20, // Search, plus per template
  0x05: 40, // RegModel
  0x06: 25, // Store
  0x0c: 25, // DeletChar
  0x0d: 60, // Empty
  0x0f: 5, // ReadSysPara
  0x13: 5, // VfyPwd
  0x1b: 10, // HighSpeedSearch, plus per template
  0x1d: 5, // TempleteNum
});

function fingerScore(finger: string): number {
  let h = 2166136261;
  for (let i = 0; i < finger.length; i++) h = Math.imul(h ^ finger.charCodeAt(i), 16777619) >>> 0;
  return 60 + (h % 180);
}

export class FingerprintModule implements UartPart {
  readonly link: UartLink;
  readonly address: number;
  readonly capacity: number;
  #board: VirtualBoard;
  #password: number;
  #securityLevel: number;
  #baud: number;
  #rx: number[] = [];
  #finger: { name: string; quality: FingerQuality } | undefined;
  #image: { name: string; quality: FingerQuality } | undefined;
  #charBuffers: (string | undefined)[] = [undefined, undefined, undefined];
  #model: string | undefined;
  #library = new Map<number, string>();
  #verified = false;
  #corrupt = 0;
  #failures: { instruction: number; code: number }[] = [];
  /** When true the module receives but never answers (unpowered, or TX/RX swapped). */
  silent = false;
  /** Instructions received, in order. */
  readonly received: number[] = [];

  constructor(board: VirtualBoard, options: FingerprintModuleOptions) {
    this.#board = board;
    this.#baud = options.baud ?? 57_600;
    this.address = (options.address ?? 0xffffffff) >>> 0;
    this.capacity = options.capacity ?? 200;
    this.#password = (options.password ?? 0) >>> 0;
    this.#securityLevel = options.securityLevel ?? 3;
    this.link = board.uart(options.port, { baud: this.#baud });
    this.link.attachPart(this);
  }

  /** Puts a finger on the sensor; it stays until lifted. */
  placeFinger(name: string, quality: FingerQuality = "good"): void {
    this.#finger = { name, quality };
  }

  liftFinger(): void {
    this.#finger = undefined;
  }

  /** Enrols `finger` at `slot` directly, as a earlier session would have. */
  store(slot: number, finger: string): void {
    if (slot < 0 || slot >= this.capacity) throw new RangeError(`slot ${slot} beyond the library of ${this.capacity}`);
    this.#library.set(slot, finger);
  }

  /** Which finger the template at `slot` was made from (a test's view of the flash). */
  templateAt(slot: number): string | undefined {
    return this.#library.get(slot);
  }

  /** The next `count` replies go out with a wrong checksum. */
  corruptReplies(count = 1): void {
    this.#corrupt += count;
  }

  /** The next `instruction` is answered with confirmation `code` instead of being carried out. */
  failNext(instruction: number, code: number): void {
    this.#failures.push({ instruction, code });
  }

  receive(bytes: Uint8Array): void {
    for (const b of bytes) this.#rx.push(b);
    for (;;) {
      const start = this.#rx.findIndex((b, i) => b === 0xef && this.#rx[i + 1] === 0x01);
      if (start < 0) {
        if (this.#rx[this.#rx.length - 1] !== 0xef) this.#rx.length = 0;
        return;
      }
      if (start > 0) this.#rx.splice(0, start);
      if (this.#rx.length < 9) return;
      const length = (this.#rx[7] << 8) | this.#rx[8];
      if (this.#rx.length < 9 + length) return;
      const packet = this.#rx.splice(0, 9 + length);
      this.#handle(packet);
    }
  }

  #handle(packet: number[]): void {
    const address = ((packet[2] << 24) | (packet[3] << 16) | (packet[4] << 8) | packet[5]) >>> 0;
    if (address !== this.address) return; // addressed to another module
    const length = (packet[7] << 8) | packet[8];
    let sum = 0;
    for (let i = 6; i < 7 + length; i++) sum += packet[i];
    const checksum = (packet[7 + length] << 8) | packet[8 + length];
    if ((sum & 0xffff) !== checksum || packet[6] !== 0x01) return this.#reply(5, [PACKET_RECEIVE_ERR]);
    const instruction = packet[9];
    const params = packet.slice(10, 7 + length);
    this.received.push(instruction);
    const failure = this.#failures.findIndex((f) => f.instruction === instruction);
    if (failure >= 0) {
      const { code } = this.#failures.splice(failure, 1)[0];
      return this.#reply(PROCESSING_MS[instruction] ?? 5, [code]);
    }
    if (this.#password !== 0 && !this.#verified && instruction !== 0x13) return this.#reply(5, [VERIFY_PASSWORD_FIRST]);
    const [ms, payload] = this.#execute(instruction, params);
    this.#reply(ms, payload);
  }

  #execute(instruction: number, p: number[]): [number, number[]] {
    const word = (i: number) => (p[i] << 8) | p[i + 1];
    switch (instruction) {
      case 0x13: {
        const password = ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
        this.#verified = password === this.#password;
        return [5, [this.#verified ? OK : PASS_FAIL]];
      }
      case 0x0f: {
        const a = this.address;
        const baudN = Math.round(this.#baud / 9_600);
        return [5, [OK, 0, 0, 0, 0x09, this.capacity >> 8, this.capacity & 0xff, 0, this.#securityLevel, a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff, 0, 2, 0, baudN]];
      }
      case 0x01:
        if (!this.#finger) return [30, [NO_FINGER]];
        this.#image = { ...this.#finger };
        return [120, [OK]];
      case 0x02: {
        const buffer = p[0];
        if (buffer !== 1 && buffer !== 2) return [5, [INVALID_REG]];
        if (!this.#image) return [10, [INVALID_IMAGE]];
        if (this.#image.quality === "smudged") return [60, [IMAGE_MESS]];
        if (this.#image.quality === "partial") return [60, [FEATURE_FAIL]];
        this.#charBuffers[buffer] = this.#image.name;
        return [60, [OK]];
      }
      case 0x05: {
        const [, one, two] = this.#charBuffers;
        if (!one || !two || one !== two) return [40, [ENROLL_MISMATCH]];
        this.#model = one;
        return [40, [OK]];
      }
      case 0x06: {
        const slot = word(1);
        if (slot >= this.capacity) return [5, [BAD_LOCATION]];
        const template = this.#model ?? this.#charBuffers[p[0]];
        if (!template) return [5, [INVALID_REG]];
        this.#library.set(slot, template);
        return [25, [OK]];
      }
      case 0x04:
      case 0x1b: {
        const probe = this.#charBuffers[p[0]];
        const start = word(1);
        const count = word(3);
        const ms = (instruction === 0x04 ? 20 : 10) + this.#library.size * 0.5;
        if (!probe) return [ms, [INVALID_REG]];
        for (let slot = start; slot < Math.min(start + count, this.capacity); slot++)
          if (this.#library.get(slot) === probe) {
            const score = fingerScore(probe);
            return [ms, [OK, slot >> 8, slot & 0xff, score >> 8, score & 0xff]];
          }
        return [ms, [NOT_FOUND, 0, 0, 0, 0]];
      }
      case 0x0c: {
        const slot = word(0);
        const count = word(2);
        if (slot + count > this.capacity || count < 1) return [5, [BAD_LOCATION]];
        for (let i = slot; i < slot + count; i++) this.#library.delete(i);
        return [25, [OK]];
      }
      case 0x0d:
        this.#library.clear();
        return [60, [OK]];
      case 0x1d:
        return [5, [OK, this.#library.size >> 8, this.#library.size & 0xff]];
      default:
        return [5, [PACKET_RECEIVE_ERR]];
    }
  }

  #reply(ms: number, payload: number[]): void {
    if (this.silent) return;
    const length = payload.length + 2;
    const a = this.address;
    const bytes = [0xef, 0x01, a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff, 0x07, length >> 8, length & 0xff, ...payload];
    let sum = 0;
    for (let i = 6; i < bytes.length; i++) sum += bytes[i];
    if (this.#corrupt > 0) {
      this.#corrupt--;
      sum += 1;
    }
    bytes.push((sum >> 8) & 0xff, sum & 0xff);
    this.#board.clock.set(() => offMeter(() => this.link.fromPart(Uint8Array.from(bytes))), ms);
  }
}
