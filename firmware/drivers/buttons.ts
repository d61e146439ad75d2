// Vote buttons, each a Digital input with a pull-up (the button shorts it to
// ground). Any edge starts a settle window; a button's state changes only
// after its line has been quiet for `debounceMs`, so a contact's bounce burst
// becomes one press. One onPress per press; releases are tracked for isPressed.
import type { Timers, TimerHandle } from "../hal/timers";
import type { DigitalClass, DigitalPin } from "./io";
import type { Buttons } from "./interfaces";

export interface ButtonSpec {
  name: string;
  io: DigitalClass;
  pin: number;
}

export interface ButtonsOptions {
  buttons: readonly ButtonSpec[];
  timers: Timers;
  /** Quiet time before an edge counts; 20 ms by default. */
  debounceMs?: number;
  onPress?: (name: string) => void;
  onError?: (error: Error) => void;
}

class Button {
  readonly name: string;
  pin!: DigitalPin;
  pressed = false;
  lastEdgeAt = 0;
  settle: TimerHandle | undefined;

  constructor(name: string) {
    this.name = name;
  }
}

export class DebouncedButtons implements Buttons {
  onPress?: (name: string) => void;
  onError?: (error: Error) => void;
  #buttons: Button[] = [];
  #timers: Timers;
  #debounceMs: number;
  #closed = false;

  constructor(options: ButtonsOptions) {
    this.#timers = options.timers;
    this.#debounceMs = options.debounceMs ?? 20;
    this.onPress = options.onPress;
    this.onError = options.onError;
    const names = new Set<string>();
    for (const spec of options.buttons) {
      if (names.has(spec.name)) throw new RangeError(`button "${spec.name}" is named twice`);
      names.add(spec.name);
      const button = new Button(spec.name);
      try {
        button.pin = new spec.io({ pin: spec.pin, mode: spec.io.InputPullUp, edge: spec.io.Rising | spec.io.Falling, onReadable: () => this.#edge(button) });
      } catch (e) {
        this.close();
        throw new Error(`button "${spec.name}" on pin ${spec.pin}: ${(e as Error).message}`);
      }
      button.pressed = button.pin.read() === 0;
      this.#buttons.push(button);
    }
  }

  isPressed(name: string): boolean {
    for (const button of this.#buttons) if (button.name === name) return button.pressed;
    throw new RangeError(`no button named "${name}"`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const button of this.#buttons) {
      this.#timers.clear(button.settle);
      button.pin?.close();
    }
  }

  #edge(button: Button): void {
    button.lastEdgeAt = this.#timers.now();
    if (!button.settle) button.settle = this.#timers.set(() => this.#settle(button), this.#debounceMs);
  }

  #settle(button: Button): void {
    button.settle = undefined;
    if (this.#closed) return;
    const quietFor = this.#timers.now() - button.lastEdgeAt;
    if (quietFor < this.#debounceMs) {
      // At least 1 ms (the board's timer resolution), so fractional clocks always progress.
      button.settle = this.#timers.set(() => this.#settle(button), Math.max(1, this.#debounceMs - quietFor));
      return;
    }
    const pressed = button.pin.read() === 0;
    if (pressed === button.pressed) return;
    button.pressed = pressed;
    if (!pressed) return;
    try {
      this.onPress?.(button.name);
    } catch (e) {
      this.onError?.(e as Error);
    }
  }
}
