// A virtual board: the MCU's pins, UART ports and I2C buses on a virtual
// clock, with ECMA-419 IO classes bound to them, and a host provider object
// shaped like Moddable's `device` (embedded:provider/builtin), so board code
// wires drivers to a virtual board exactly as it wires them to an ESP32.
import { VirtualClock } from "../clock";
import { Circuit, type PinMode } from "./circuit";
import { makeDigital, makeDigitalBank, type PinHost } from "./digital";
import { I2CBus, makeI2C } from "./i2c";
import { makePulseCount } from "./pulsecount";
import { makeSerial, UartLink, type UartOptions } from "./serial";

export interface BoardOptions {
  clock?: VirtualClock;
  /** Time from a pin edge (or a UART FIFO fill) to its callback; 0.05 ms by default. */
  interruptLatencyMs?: number;
  /** Names for pins, published as `device.pin`. */
  pins?: Record<string, number>;
  /** Defaults published as `device.I2C.default` and `device.Serial.default`. */
  i2c?: { data: number; clock: number; hz?: number; port?: number };
  serial?: { port: number; receive: number; transmit: number; baud?: number };
  /**
   * "esp32": enforce the ESP32's pin rules — GPIO6–11 belong to the flash,
   * GPIO34–39 are input-only and have no internal pull resistors (a button
   * there needs an external pull-up: circuit.resistor(pin, "up")).
   */
  gpio?: "esp32";
}

export class VirtualBoard implements PinHost {
  readonly clock: VirtualClock;
  readonly circuit = new Circuit();
  readonly interruptLatencyMs: number;
  readonly Digital;
  readonly DigitalBank;
  readonly Serial;
  readonly I2C;
  readonly PulseCount;
  readonly device;
  #owners = new Map<number, string>();
  #watchers = new Map<number, Set<(level: number) => void>>();
  #uarts = new Map<number, UartLink>();
  #buses = new Map<number, I2CBus>();
  #gpio: "esp32" | undefined;

  constructor(options: BoardOptions = {}) {
    this.clock = options.clock ?? new VirtualClock();
    this.interruptLatencyMs = options.interruptLatencyMs ?? 0.05;
    this.#gpio = options.gpio;
    this.circuit.listen((pin, level) => {
      const watchers = this.#watchers.get(pin);
      if (watchers) for (const watcher of watchers) watcher(level);
    });
    this.Digital = makeDigital(this);
    this.DigitalBank = makeDigitalBank(this);
    this.Serial = makeSerial(this);
    this.I2C = makeI2C(this);
    this.PulseCount = makePulseCount(this);
    const i2c = options.i2c ?? { data: 21, clock: 22 };
    const serial = options.serial ?? { port: 1, receive: 16, transmit: 17 };
    this.device = Object.freeze({
      io: Object.freeze({
        Digital: this.Digital,
        DigitalBank: this.DigitalBank,
        Serial: this.Serial,
        I2C: this.I2C,
        PulseCount: this.PulseCount,
      }),
      I2C: Object.freeze({ default: Object.freeze({ io: this.I2C, data: i2c.data, clock: i2c.clock, hz: i2c.hz ?? 100_000, port: i2c.port ?? 0 }) }),
      Serial: Object.freeze({ default: Object.freeze({ io: this.Serial, port: serial.port, receive: serial.receive, transmit: serial.transmit, baud: serial.baud ?? 57_600 }) }),
      pin: Object.freeze({ ...(options.pins ?? {}) }),
    });
  }

  claim(pin: number, owner: string, mode?: PinMode): PinMode | undefined {
    const current = this.#owners.get(pin);
    if (current) throw new Error(`pin ${pin} is already in use by ${current}`);
    let effective = mode;
    if (this.#gpio === "esp32") {
      if (pin >= 6 && pin <= 11) throw new Error(`GPIO${pin} is wired to the ESP32 module's flash: choose another pin`);
      if (pin >= 34 && pin <= 39) {
        if (mode === "output" || mode === "open-drain") throw new Error(`GPIO${pin} is input-only on the ESP32: it cannot drive ${owner}`);
        if (mode === "pull-up" || mode === "pull-down") effective = "input"; // no internal pull resistors there
      }
    }
    this.#owners.set(pin, owner);
    return effective;
  }

  release(pin: number): void {
    this.#owners.delete(pin);
  }

  /** Pins currently opened by an IO instance. */
  get pinsInUse(): number[] {
    return [...this.#owners.keys()].sort((a, b) => a - b);
  }

  watch(pin: number, watcher: (level: number) => void): () => void {
    let set = this.#watchers.get(pin);
    if (!set) this.#watchers.set(pin, (set = new Set()));
    set.add(watcher);
    return () => set!.delete(watcher);
  }

  /** The UART wire of `port`; the first call (usually by the part) fixes its baud rate. */
  uart(port: number, options?: UartOptions): UartLink {
    let link = this.#uarts.get(port);
    if (!link) this.#uarts.set(port, (link = new UartLink(this.clock, options ?? { baud: 57_600 })));
    return link;
  }

  i2cBus(port = 0): I2CBus {
    let bus = this.#buses.get(port);
    if (!bus) this.#buses.set(port, (bus = new I2CBus()));
    return bus;
  }
}
