// Virtual ECMA-419 I2C (embedded:io/i2c) and the bus its targets sit on. A
// transfer to an address nobody acknowledges throws, as Moddable's does. The
// bus also tells every target how long SDA was held low while the address
// byte went out: that is how an ATECC608A is woken (SDA low ≥ 60 µs, done by
// addressing 0x00 at 100 kHz).
import { offMeter } from "./metering";

/** An emulated part on the bus. Returning false / null is a NACK. */
export interface I2CTarget {
  write(bytes: Uint8Array, stop: boolean): boolean;
  read(length: number, stop: boolean): Uint8Array | null;
  /** SDA was held low for `us` microseconds by a transfer's address byte. */
  sdaLow?(us: number): void;
}

export class I2CBus {
  #targets = new Map<number, I2CTarget>();
  /** Every transfer, for tests that pin the wire format: "w 0x60 03 07 30 …" / "r 0x60 4". */
  readonly log: string[] = [];
  logging = false;

  attach(address: number, target: I2CTarget): void {
    if (this.#targets.has(address)) throw new Error(`I2C address 0x${address.toString(16)} is already taken on this bus`);
    this.#targets.set(address, target);
  }

  detach(address: number): void {
    this.#targets.delete(address);
  }

  addressPhase(address: number, read: boolean, hz: number): I2CTarget | undefined {
    const byte = (address << 1) | (read ? 1 : 0);
    let run = 0;
    let longest = 0;
    for (let bit = 7; bit >= 0; bit--) {
      run = byte & (1 << bit) ? 0 : run + 1;
      if (run > longest) longest = run;
    }
    if (longest) {
      const us = (longest * 1e6) / hz;
      for (const target of this.#targets.values()) target.sdaLow?.(us);
    }
    return this.#targets.get(address);
  }
}

export interface I2CHost {
  i2cBus(port: number): I2CBus;
}

export interface VirtualI2COptions {
  data: number;
  clock: number;
  hz: number;
  address: number;
  port?: number;
  format?: "buffer";
  target?: unknown;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

export function makeI2C(host: I2CHost) {
  return class I2C {
    #bus: I2CBus;
    #address: number;
    #hz: number;
    #closed = false;
    target: unknown;

    constructor(options: VirtualI2COptions) {
      if (!(options.hz > 0) || options.hz > 1_000_000) throw new RangeError(`I2C hz must be 1 to 1000000, got ${options.hz}`);
      if (!Number.isInteger(options.address) || options.address < 0 || options.address > 0x7f)
        throw new RangeError(`invalid I2C address ${options.address}`);
      this.#bus = host.i2cBus(options.port ?? 0);
      this.#address = options.address;
      this.#hz = options.hz;
      this.target = options.target;
    }

    get format(): "buffer" {
      return "buffer";
    }
    set format(value: "buffer") {
      if (value !== "buffer") throw new RangeError(`I2C format must be "buffer", got ${String(value)}`);
    }

    write(value: ArrayBuffer | ArrayBufferView, stop = true): void {
      offMeter(() => this.#write(value, stop));
    }

    #write(value: ArrayBuffer | ArrayBufferView, stop: boolean): void {
      this.#check();
      const bytes = value instanceof ArrayBuffer ? new Uint8Array(value.slice(0)) : new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
      if (this.#bus.logging) this.#bus.log.push(`w 0x${this.#address.toString(16)} ${hex(bytes)}`);
      const target = this.#bus.addressPhase(this.#address, false, this.#hz);
      if (!target || !target.write(bytes, stop)) throw new Error(`I2C write to 0x${this.#address.toString(16)} not acknowledged`);
    }

    read(lengthOrBuffer: number | ArrayBuffer | ArrayBufferView, stop = true): ArrayBuffer {
      return offMeter(() => this.#read(lengthOrBuffer, stop));
    }

    #read(lengthOrBuffer: number | ArrayBuffer | ArrayBufferView, stop: boolean): ArrayBuffer {
      this.#check();
      const length = typeof lengthOrBuffer === "number" ? lengthOrBuffer : lengthOrBuffer.byteLength;
      if (this.#bus.logging) this.#bus.log.push(`r 0x${this.#address.toString(16)} ${length}`);
      const target = this.#bus.addressPhase(this.#address, true, this.#hz);
      const bytes = target?.read(length, stop);
      if (!bytes) throw new Error(`I2C read from 0x${this.#address.toString(16)} not acknowledged`);
      if (typeof lengthOrBuffer !== "number") {
        const into = lengthOrBuffer instanceof ArrayBuffer ? new Uint8Array(lengthOrBuffer) : new Uint8Array(lengthOrBuffer.buffer, lengthOrBuffer.byteOffset, lengthOrBuffer.byteLength);
        into.set(bytes.subarray(0, into.length));
        return into.buffer as ArrayBuffer;
      }
      return bytes.slice(0, length).buffer;
    }

    close(): void {
      this.#closed = true;
    }

    #check(): void {
      if (this.#closed) throw new Error("I2C is closed");
    }
  };
}
