// Virtual ECMA-419 Serial (embedded:io/serial) and the UART wire to an
// emulated part. Bytes take their transmission time at the port's baud rate
// (10 bits a byte); the MCU's receive side fills in FIFO-sized chunks, each
// announced with onReadable(bytes available), as an ESP32 UART does.
import type { VirtualClock } from "../clock";
import { offMeter } from "./metering";

/** The part's side of a UART: what it receives from the MCU. */
export interface UartPart {
  receive(bytes: Uint8Array): void;
}

export interface UartOptions {
  /** The part's baud rate; an MCU port opened at another rate exchanges garbage. */
  baud: number;
  /** Bytes per receive interrupt on the MCU side (ESP32 UART FIFO threshold). */
  fifoBytes?: number;
}

/** The wire between one MCU UART port and one part. */
export class UartLink {
  readonly clock: VirtualClock;
  readonly baud: number;
  readonly fifoBytes: number;
  #part: UartPart | undefined;
  #mcu: ((bytes: Uint8Array) => void) | undefined;
  #mcuBaud = 0;
  #toPartFreeAt = 0;
  #toMcuFreeAt = 0;
  /** Every byte the MCU sent, for tests that pin the wire format. */
  readonly sent: number[] = [];

  constructor(clock: VirtualClock, options: UartOptions) {
    this.clock = clock;
    this.baud = options.baud;
    this.fifoBytes = options.fifoBytes ?? 16;
  }

  /** Milliseconds one byte takes on the wire. */
  get byteMs(): number {
    return 10_000 / this.baud;
  }

  attachPart(part: UartPart): void {
    this.#part = part;
  }

  attachMcu(receive: ((bytes: Uint8Array) => void) | undefined, baud: number): void {
    this.#mcu = receive;
    this.#mcuBaud = baud;
  }

  /** MCU → part: delivered when the last byte is on the wire. */
  fromMcu(bytes: Uint8Array): void {
    for (const b of bytes) this.sent.push(b);
    const start = Math.max(this.clock.now(), this.#toPartFreeAt);
    const end = start + bytes.length * this.byteMs;
    this.#toPartFreeAt = end;
    const data = this.#garble(bytes);
    this.clock.set(() => offMeter(() => this.#part?.receive(data)), end - this.clock.now());
  }

  /** Part → MCU: delivered in FIFO-sized chunks as they arrive. */
  fromPart(bytes: Uint8Array): void {
    const data = this.#garble(bytes);
    let start = Math.max(this.clock.now(), this.#toMcuFreeAt);
    for (let i = 0; i < data.length; i += this.fifoBytes) {
      const chunk = data.slice(i, i + this.fifoBytes);
      const at = start + chunk.length * this.byteMs;
      start = at;
      this.clock.set(() => offMeter(() => this.#mcu?.(chunk)), at - this.clock.now());
    }
    this.#toMcuFreeAt = start;
  }

  #garble(bytes: Uint8Array): Uint8Array {
    if (this.#mcuBaud === this.baud) return bytes.slice();
    // Sampled at the wrong rate, every byte comes out as something else.
    return bytes.map((b) => (b * 7 + 0x5b) & 0xff);
  }
}

export interface SerialHost {
  uart(port: number): UartLink;
  readonly interruptLatencyMs: number;
  claim(pin: number, owner: string): unknown;
  release(pin: number): void;
}

export interface VirtualSerialOptions {
  port: number;
  receive?: number;
  transmit?: number;
  baud: number;
  format?: "buffer" | "number";
  onReadable?: (this: any, bytes: number) => void;
  onWritable?: (this: any, bytes: number) => void;
  target?: unknown;
}

const RECEIVE_BUFFER = 1024;

export function makeSerial(host: SerialHost) {
  return class Serial {
    #link: UartLink;
    #pins: number[] = [];
    #rx: number[] = [];
    #format: "buffer" | "number";
    #closed = false;
    /** Bytes lost because the receive buffer was full. */
    overruns = 0;
    target: unknown;

    constructor(options: VirtualSerialOptions) {
      if (!(options.baud > 0)) throw new RangeError(`Serial baud must be positive, got ${options.baud}`);
      this.#link = host.uart(options.port);
      this.#format = options.format ?? "buffer";
      this.target = options.target;
      for (const pin of [options.receive, options.transmit]) if (pin !== undefined) {
        host.claim(pin, "Serial");
        this.#pins.push(pin);
      }
      const onReadable = options.onReadable;
      this.#link.attachMcu((chunk) => {
        for (const b of chunk) {
          if (this.#rx.length < RECEIVE_BUFFER) this.#rx.push(b);
          else this.overruns++;
        }
        if (onReadable) this.#link.clock.set(() => {
          if (!this.#closed && this.#rx.length) onReadable.call(this, this.#rx.length);
        }, host.interruptLatencyMs);
      }, options.baud);
    }

    get format(): "buffer" | "number" {
      return this.#format;
    }
    set format(value: "buffer" | "number") {
      if (value !== "buffer" && value !== "number") throw new RangeError(`Serial format must be "buffer" or "number", got ${String(value)}`);
      this.#format = value;
    }

    read(limit?: number): number | ArrayBuffer | undefined {
      return offMeter(() => this.#read(limit));
    }

    #read(limit?: number): number | ArrayBuffer | undefined {
      this.#check();
      if (this.#format === "number") return this.#rx.length ? this.#rx.shift() : undefined;
      if (!this.#rx.length) return undefined;
      const n = limit === undefined ? this.#rx.length : Math.min(limit, this.#rx.length);
      return Uint8Array.from(this.#rx.splice(0, n)).buffer;
    }

    write(value: number | ArrayBuffer | ArrayBufferView): void {
      offMeter(() => this.#write(value));
    }

    #write(value: number | ArrayBuffer | ArrayBufferView): void {
      this.#check();
      let bytes: Uint8Array;
      if (typeof value === "number") bytes = Uint8Array.of(value & 0xff);
      else if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
      else bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      this.#link.fromMcu(bytes.slice());
    }

    flush(): void {
      this.#rx.length = 0;
    }

    close(): void {
      if (this.#closed) return;
      this.#closed = true;
      this.#link.attachMcu(undefined, 0);
      for (const pin of this.#pins) host.release(pin);
    }

    #check(): void {
      if (this.#closed) throw new Error("Serial is closed");
    }
  };
}
