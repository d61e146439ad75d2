// S0 pulse input (DIN 43864 / EN 62053-31): the meter's open-collector output
// pulls the line low for each pulse of 30 ms or more. Counted in software from
// Digital edge interrupts: a pulse counts when the line comes back up after
// being low for at least `minPulseMs`; shorter dips (contact noise, induced
// spikes) are ignored and counted as rejected. Works on every ESP32 variant.
//
// Optionally, where embedded:io/pulsecount counts a single line, the count
// comes from that hardware counter instead; its narrow counter is extended to
// a running total here (wrap handled), polled often enough never to miss a wrap.
import type { Timers, TimerHandle } from "../hal/timers";
import type { DigitalPin, DigitalSpec, PulseCountClass, PulseCounter } from "./io";
import type { PulseInput } from "./interfaces";

export interface PulseCounterSpec {
  io: PulseCountClass;
  signal: number;
  control: number;
  /** Width of the hardware counter; 16 by default (ESP32 PCNT). */
  bits?: number;
  /** How often the counter is folded into the total; 10 s by default. */
  pollMs?: number;
}

export interface S0InputOptions {
  channel: number;
  /** Software counting from edges (the default path). */
  input?: DigitalSpec;
  /** Hardware counting, where embedded:io/pulsecount counts one line. */
  counter?: PulseCounterSpec;
  timers: Timers;
  /** Shortest low time that counts as a pulse; 25 ms by default (DIN 43864 pulses are ≥ 30 ms). */
  minPulseMs?: number;
  onError?: (error: Error) => void;
}

export class S0Input implements PulseInput {
  readonly channel: number;
  onError?: (error: Error) => void;
  #timers: Timers;
  #minPulseMs: number;
  #pin: DigitalPin | undefined;
  #counter: PulseCounter | undefined;
  #modulus = 0;
  #lastRaw = 0;
  #poll: TimerHandle | undefined;
  #level = 1;
  #fellAt = 0;
  #count = 0;
  #rejected = 0;
  #closed = false;

  constructor(options: S0InputOptions) {
    this.channel = options.channel;
    this.#timers = options.timers;
    this.#minPulseMs = options.minPulseMs ?? 25;
    this.onError = options.onError;
    if (options.counter) {
      const spec = options.counter;
      const bits = spec.bits ?? 16;
      if (!(bits >= 8 && bits <= 32)) throw new RangeError(`pulse counter width must be 8 to 32 bits, got ${bits}`);
      this.#modulus = 2 ** bits;
      this.#counter = new spec.io({ signal: spec.signal, control: spec.control });
      this.#lastRaw = this.#counter.read();
      this.#poll = this.#timers.repeat(() => this.#fold(), spec.pollMs ?? 10_000);
    } else if (options.input) {
      const spec = options.input;
      this.#pin = new spec.io({ pin: spec.pin, mode: spec.io.InputPullUp, edge: spec.io.Rising | spec.io.Falling, onReadable: () => this.#edge() });
      this.#level = this.#pin.read();
      this.#fellAt = this.#timers.now();
    } else throw new RangeError(`S0 channel ${options.channel} needs an input (Digital) or a counter (PulseCount)`);
  }

  /** Valid pulses since the driver started. */
  read(): number {
    if (this.#counter) this.#fold();
    return this.#count;
  }

  /** Low dips too short to be a pulse (software path). */
  get rejected(): number {
    return this.#rejected;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.clear(this.#poll);
    this.#pin?.close();
    this.#counter?.close?.();
  }

  #edge(): void {
    const level = this.#pin!.read();
    if (level === this.#level) return; // both edges of a dip arrived before we looked
    this.#level = level;
    const now = this.#timers.now();
    if (level === 0) this.#fellAt = now;
    else if (now - this.#fellAt >= this.#minPulseMs) this.#count++;
    else this.#rejected++;
  }

  #fold(): void {
    if (this.#closed) return;
    try {
      const raw = this.#counter!.read();
      const delta = (((raw - this.#lastRaw) % this.#modulus) + this.#modulus) % this.#modulus;
      this.#lastRaw = raw;
      this.#count += delta;
    } catch (e) {
      this.onError?.(new Error(`S0 channel ${this.channel}: pulse counter read failed: ${(e as Error).message}`));
    }
  }
}
