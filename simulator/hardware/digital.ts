// Virtual ECMA-419 Digital and DigitalBank (embedded:io/digital,
// embedded:io/digitalbank) on a Circuit. Edge interrupts are delivered like on
// the board: after an interrupt latency, and edges that arrive while one is
// pending are merged into it (the callback then reads the current level).
import type { VirtualClock } from "../clock";
import type { Circuit, PinMode } from "./circuit";
import { offMeter } from "./metering";

export interface PinHost {
  readonly clock: VirtualClock;
  readonly circuit: Circuit;
  /** Time from an edge on a pin to its onReadable callback. */
  readonly interruptLatencyMs: number;
  /** Takes `pin` for `owner`, throwing when it is taken or unusable; returns the mode the pin really gets. */
  claim(pin: number, owner: string, mode?: PinMode): PinMode | undefined;
  release(pin: number): void;
  watch(pin: number, watcher: (level: number) => void): () => void;
}

const INPUT = 0;
const INPUT_PULL_UP = 1;
const INPUT_PULL_DOWN = 2;
const INPUT_PULL_UP_DOWN = 3;
const OUTPUT = 8;
const OUTPUT_OPEN_DRAIN = 9;
const RISING = 1;
const FALLING = 2;

function pinMode(mode: unknown): PinMode {
  switch (mode) {
    case INPUT:
      return "input";
    case INPUT_PULL_UP:
    case INPUT_PULL_UP_DOWN:
      return "pull-up";
    case INPUT_PULL_DOWN:
      return "pull-down";
    case OUTPUT:
      return "output";
    case OUTPUT_OPEN_DRAIN:
      return "open-drain";
    default:
      throw new RangeError(`invalid Digital mode ${String(mode)}`);
  }
}

function checkPin(pin: unknown): number {
  if (typeof pin !== "number" || !Number.isInteger(pin) || pin < 0 || pin > 63) throw new RangeError(`invalid pin ${String(pin)}`);
  return pin;
}

/** Delivers edge interrupts after the host's latency, merging edges that arrive while one is pending. */
class Interrupt {
  #host: PinHost;
  #fire: () => void;
  #pending: object | undefined;

  constructor(host: PinHost, fire: () => void) {
    this.#host = host;
    this.#fire = fire;
  }

  raise(): void {
    if (this.#pending) return;
    this.#pending = this.#host.clock.set(() => {
      this.#pending = undefined;
      this.#fire();
    }, this.#host.interruptLatencyMs);
  }

  cancel(): void {
    this.#host.clock.clear(this.#pending);
    this.#pending = undefined;
  }
}

/** The ECMA-419 pin modes, as statics both Digital and DigitalBank carry. */
class PinModes {
  static readonly Input = INPUT;
  static readonly InputPullUp = INPUT_PULL_UP;
  static readonly InputPullDown = INPUT_PULL_DOWN;
  static readonly InputPullUpDown = INPUT_PULL_UP_DOWN;
  static readonly Output = OUTPUT;
  static readonly OutputOpenDrain = OUTPUT_OPEN_DRAIN;
}

export interface VirtualDigitalOptions {
  pin: number;
  mode: unknown;
  edge?: number;
  onReadable?: (this: any) => void;
  target?: unknown;
  format?: "number";
}

export function makeDigital(host: PinHost) {
  return class Digital extends PinModes {
    static readonly Rising = RISING;
    static readonly Falling = FALLING;

    #pin: number;
    #mode: PinMode;
    #unwatch: (() => void) | undefined;
    #interrupt: Interrupt | undefined;
    #closed = false;
    target: unknown;

    constructor(options: VirtualDigitalOptions) {
      super();
      this.#pin = checkPin(options.pin);
      const mode = pinMode(options.mode);
      this.target = options.target;
      this.#mode = host.claim(this.#pin, "Digital", mode) ?? mode;
      host.circuit.configure(this.#pin, this.#mode, 1);
      const onReadable = options.onReadable;
      if (onReadable) {
        const edge = options.edge ?? 0;
        if (!(edge & (RISING | FALLING))) {
          host.release(this.#pin);
          throw new RangeError("Digital onReadable requires edge Rising, Falling or both");
        }
        if (this.#mode === "output" || this.#mode === "open-drain") {
          host.release(this.#pin);
          throw new RangeError("Digital onReadable requires an input mode");
        }
        const interrupt = (this.#interrupt = new Interrupt(host, () => onReadable.call(this)));
        this.#unwatch = host.watch(this.#pin, (level) => {
          if (level ? edge & RISING : edge & FALLING) interrupt.raise();
        });
      }
    }

    get format(): "number" {
      return "number";
    }
    set format(value: "number") {
      if (value !== "number") throw new RangeError(`Digital format must be "number", got ${String(value)}`);
    }

    read(): 0 | 1 {
      return offMeter(() => {
        this.#check();
        return host.circuit.level(this.#pin) ? 1 : 0;
      });
    }

    write(value: number): void {
      offMeter(() => {
        this.#check();
        if (this.#mode !== "output" && this.#mode !== "open-drain") throw new Error(`Digital pin ${this.#pin} is an input: cannot write`);
        host.circuit.drive(this.#pin, value);
      });
    }

    close(): void {
      if (this.#closed) return;
      this.#closed = true;
      this.#interrupt?.cancel();
      this.#unwatch?.();
      host.circuit.configure(this.#pin, undefined);
      host.release(this.#pin);
    }

    #check(): void {
      if (this.#closed) throw new Error(`Digital pin ${this.#pin} is closed`);
    }
  };
}

export interface VirtualDigitalBankOptions {
  pins: number;
  mode: unknown;
  rises?: number;
  falls?: number;
  onReadable?: (this: any, triggered: number) => void;
  bank?: number;
  target?: unknown;
  format?: "number";
}

export function makeDigitalBank(host: PinHost) {
  return class DigitalBank extends PinModes {

    #pins: number[] = [];
    #mode: PinMode;
    #unwatch: (() => void)[] = [];
    #interrupt: Interrupt | undefined;
    #triggered = 0;
    #closed = false;
    target: unknown;

    constructor(options: VirtualDigitalBankOptions) {
      super();
      const mask = options.pins >>> 0;
      if (!mask) throw new RangeError("DigitalBank pins must name at least one pin");
      for (let pin = 0; pin < 32; pin++) if (mask & (1 << pin)) this.#pins.push(pin);
      this.#mode = pinMode(options.mode);
      this.target = options.target;
      for (const pin of this.#pins) host.circuit.configure(pin, host.claim(pin, "DigitalBank", this.#mode) ?? this.#mode, 1);
      const onReadable = options.onReadable;
      if (onReadable) {
        const rises = (options.rises ?? 0) & mask;
        const falls = (options.falls ?? 0) & mask;
        if (!(rises | falls)) throw new RangeError("DigitalBank onReadable requires rises or falls");
        this.#interrupt = new Interrupt(host, () => {
          const triggered = this.#triggered;
          this.#triggered = 0;
          onReadable.call(this, triggered);
        });
        for (const pin of this.#pins) {
          const bit = 1 << pin;
          if (!((rises | falls) & bit)) continue;
          this.#unwatch.push(
            host.watch(pin, (level) => {
              if (level ? rises & bit : falls & bit) {
                this.#triggered |= bit;
                this.#interrupt!.raise();
              }
            }),
          );
        }
      }
    }

    get format(): "number" {
      return "number";
    }
    set format(value: "number") {
      if (value !== "number") throw new RangeError(`DigitalBank format must be "number", got ${String(value)}`);
    }

    read(): number {
      return offMeter(() => {
        this.#check();
        let value = 0;
        for (const pin of this.#pins) if (host.circuit.level(pin)) value |= 1 << pin;
        return value >>> 0;
      });
    }

    write(value: number): void {
      offMeter(() => {
        this.#check();
        if (this.#mode !== "output" && this.#mode !== "open-drain") throw new Error("DigitalBank is an input: cannot write");
        for (const pin of this.#pins) host.circuit.drive(pin, value & (1 << pin));
      });
    }

    close(): void {
      if (this.#closed) return;
      this.#closed = true;
      this.#interrupt?.cancel();
      for (const unwatch of this.#unwatch) unwatch();
      for (const pin of this.#pins) {
        host.circuit.configure(pin, undefined);
        host.release(pin);
      }
    }

    #check(): void {
      if (this.#closed) throw new Error("DigitalBank is closed");
    }
  };
}
