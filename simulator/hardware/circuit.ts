// The wires between the MCU's pins and the emulated parts. Every MCU pin is a
// net; parts connect nets with switches (a key closes row to column, a button
// or an S0 transistor closes a pin to ground). A net's level follows from what
// drives it: ground or an output driving 0 pulls it low, a push-pull output
// driving 1 pulls it high, otherwise the pin's pull resistor decides. So a
// keypad with three keys down shows the fourth as a ghost, as a real one does.
import { offMeter } from "./metering";

export type PinMode = "input" | "pull-up" | "pull-down" | "output" | "open-drain";

/** Pseudo-pin for the ground net. */
export const GROUND = -1;

interface PinState {
  mode: PinMode | undefined;
  output: number;
  level: number;
}

export interface CircuitSwitch {
  readonly a: number;
  readonly b: number;
  readonly closed: boolean;
  set(closed: boolean): void;
}

export type LevelListener = (pin: number, level: number) => void;

export class Circuit {
  #pins = new Map<number, PinState>();
  #switches: { a: number; b: number; closed: boolean }[] = [];
  #resistors = new Map<number, "up" | "down">();
  #listeners: LevelListener[] = [];
  #contentions = 0;

  /** Times a push-pull output driving 1 was shorted to a low (a real board would brown out or burn a pin). */
  get contentions(): number {
    return this.#contentions;
  }

  /** Calls `listener` whenever a pin's level changes. */
  listen(listener: LevelListener): void {
    this.#listeners.push(listener);
  }

  /** The MCU configures a pin (undefined: released, high impedance). */
  configure(pin: number, mode: PinMode | undefined, output = 1): void {
    const state = this.#pin(pin);
    state.mode = mode;
    state.output = output ? 1 : 0;
    this.#resolve();
  }

  /** The MCU drives an output pin. */
  drive(pin: number, value: number): void {
    const state = this.#pin(pin);
    const v = value ? 1 : 0;
    if (state.output === v) return;
    state.output = v;
    if (state.mode === "output" || state.mode === "open-drain") this.#resolve();
  }

  level(pin: number): number {
    return this.#pin(pin).level;
  }

  /** An external pull resistor on the board, from `pin` to the supply ("up") or to ground ("down"). */
  resistor(pin: number, to: "up" | "down"): void {
    this.#pin(pin);
    this.#resistors.set(pin, to);
    this.#resolve();
  }

  /** A contact between two nets (GROUND for ground), initially open. */
  connect(a: number, b: number): CircuitSwitch {
    this.#pin(a);
    this.#pin(b);
    const sw = { a, b, closed: false };
    this.#switches.push(sw);
    const resolve = () => this.#resolve();
    return {
      a,
      b,
      get closed() {
        return sw.closed;
      },
      set(closed: boolean) {
        if (sw.closed === closed) return;
        sw.closed = closed;
        resolve();
      },
    };
  }

  #pin(pin: number): PinState {
    let state = this.#pins.get(pin);
    if (!state) {
      state = { mode: undefined, output: 1, level: 0 };
      this.#pins.set(pin, state);
    }
    return state;
  }

  #resolve(): void {
    offMeter(() => this.#settleNets());
  }

  #settleNets(): void {
    // Union-find over nets joined by closed switches.
    const parent = new Map<number, number>();
    const find = (p: number): number => {
      let root = p;
      while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
      parent.set(p, root);
      return root;
    };
    for (const pin of this.#pins.keys()) parent.set(pin, pin);
    for (const sw of this.#switches) if (sw.closed) parent.set(find(sw.a), find(sw.b));

    const strongLow = new Set<number>();
    const strongHigh = new Set<number>();
    const pulledUp = new Set<number>();
    const pulledDown = new Set<number>();
    for (const [pin, s] of this.#pins) {
      const root = find(pin);
      if (pin === GROUND) strongLow.add(root);
      else if ((s.mode === "output" || s.mode === "open-drain") && s.output === 0) strongLow.add(root);
      else if (s.mode === "output") strongHigh.add(root);
      else if (s.mode === "pull-up" || this.#resistors.get(pin) === "up") pulledUp.add(root);
      else if (s.mode === "pull-down" || this.#resistors.get(pin) === "down") pulledDown.add(root);
    }
    const changed: number[] = [];
    for (const [pin, s] of this.#pins) {
      if (pin === GROUND) continue;
      const root = find(pin);
      let level: number;
      if (strongLow.has(root)) {
        if (strongHigh.has(root) && s.mode === "output" && s.output === 1) this.#contentions++;
        level = 0;
      } else if (strongHigh.has(root)) level = 1;
      else if (pulledUp.has(root)) level = 1;
      else if (pulledDown.has(root)) level = 0;
      else level = s.level; // floating: keeps its last level, like a charged input
      if (level !== s.level) {
        s.level = level;
        changed.push(pin);
      }
    }
    for (const pin of changed) for (const listener of this.#listeners) listener(pin, this.#pins.get(pin)!.level);
  }
}
