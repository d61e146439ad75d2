// Virtual ECMA-419 PulseCount (embedded:io/pulsecount) counting one line: the
// falling edges on `signal` (an S0 pulse pulls the line low). Like the ESP32
// PCNT unit it is a 16-bit counter that wraps, and it sees every edge however
// short, with no width filter.
import type { PinHost } from "./digital";
import { offMeter } from "./metering";

export interface VirtualPulseCountOptions {
  signal: number;
  control: number;
  onReadable?: (this: any) => void;
  onError?: (this: any) => void;
  format?: "number";
  target?: unknown;
}

export const PULSE_COUNT_BITS = 16;

export function makePulseCount(host: PinHost) {
  return class PulseCount {
    #signal: number;
    #count = 0;
    #unwatch: () => void;
    #closed = false;
    target: unknown;

    constructor(options: VirtualPulseCountOptions) {
      this.#signal = options.signal;
      this.target = options.target;
      host.circuit.configure(options.signal, host.claim(options.signal, "PulseCount", "pull-up"), 1);
      this.#unwatch = host.watch(options.signal, (level) => {
        if (level === 0) this.#count = (this.#count + 1) % 2 ** PULSE_COUNT_BITS;
      });
    }

    get format(): "number" {
      return "number";
    }
    set format(value: "number") {
      if (value !== "number") throw new RangeError(`PulseCount format must be "number", got ${String(value)}`);
    }

    read(): number {
      return offMeter(() => {
        if (this.#closed) throw new Error("PulseCount is closed");
        return this.#count;
      });
    }

    write(count: number): void {
      this.#count = (count >>> 0) % 2 ** PULSE_COUNT_BITS;
    }

    close(): void {
      if (this.#closed) return;
      this.#closed = true;
      this.#unwatch();
      host.circuit.configure(this.#signal, undefined);
      host.release(this.#signal);
    }
  };
}
