// The ECMA-419 IO classes the drivers talk through, as structural types: what
// a driver needs of `device.io.Digital`, `Serial`, `I2C` and `PulseCount`.
// Moddable's classes (embedded:provider/builtin) and the simulator's virtual
// ones both fit, so the same driver runs on the board and on the desktop.

export interface DigitalPin {
  read(): number;
  write(value: number): void;
  close(): void;
}

export interface DigitalOptions {
  pin: number;
  mode: unknown;
  edge?: number;
  onReadable?: (this: DigitalPin) => void;
}

export interface DigitalClass {
  new (options: DigitalOptions): DigitalPin;
  readonly Input: unknown;
  readonly InputPullUp: unknown;
  readonly Output: unknown;
  readonly OutputOpenDrain: unknown;
  readonly Rising: number;
  readonly Falling: number;
}

/** What a board names for one pin: the Digital class and the pin number. */
export interface DigitalSpec {
  io: DigitalClass;
  pin: number;
}

export interface SerialPort {
  read(): number | ArrayBuffer | undefined;
  write(value: number | ArrayBuffer | Uint8Array): void;
  close(): void;
}

export interface SerialOptions {
  port: number;
  receive: number;
  transmit: number;
  baud: number;
  format?: "buffer" | "number";
  onReadable?: (this: SerialPort, bytes: number) => void;
}

export interface SerialClass {
  new (options: SerialOptions): SerialPort;
}

export interface SerialSpec {
  io: SerialClass;
  port: number;
  receive: number;
  transmit: number;
  baud?: number;
}

export interface I2CDevice {
  read(byteLength: number, stop?: boolean): ArrayBuffer;
  write(value: ArrayBuffer | Uint8Array, stop?: boolean): void;
  close?(): void;
}

export interface I2COptions {
  data: number;
  clock: number;
  hz: number;
  address: number;
  port?: number;
}

export interface I2CClass {
  new (options: I2COptions): I2CDevice;
}

export interface I2CSpec {
  io: I2CClass;
  data: number;
  clock: number;
  hz?: number;
  address?: number;
  port?: number;
}

export interface PulseCounter {
  read(): number;
  write(count: number): void;
  close?(): void;
}

export interface PulseCountOptions {
  signal: number;
  control: number;
}

export interface PulseCountClass {
  new (options: PulseCountOptions): PulseCounter;
}
