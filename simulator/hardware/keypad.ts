// An emulated membrane keypad: a pin matrix where each key, when pressed,
// connects its row wire to its column wire. Nothing else: ghosting, scan
// timing and contact bounce come from the wiring and the clock.
import type { VirtualBoard } from "./board";
import { Contact } from "./contact";
import { SeededRandom } from "./random";

export interface KeypadMatrixOptions {
  rows: readonly number[];
  columns: readonly number[];
  /** One string per row, one character per column (e.g. ["123", "456", "789", "*0#"]). */
  labels: readonly string[];
  /** Contact bounce of each key; 0 (clean) by default. */
  bounceMs?: number;
  seed?: number | string;
}

export class KeypadMatrix {
  readonly board: VirtualBoard;
  #keys = new Map<string, Contact>();

  constructor(board: VirtualBoard, options: KeypadMatrixOptions) {
    this.board = board;
    const random = new SeededRandom(options.seed ?? "keypad");
    options.rows.forEach((row, r) =>
      options.columns.forEach((column, c) => {
        const label = options.labels[r]?.[c];
        if (label === undefined) throw new RangeError(`keypad labels have no key at row ${r} column ${c}`);
        const sw = board.circuit.connect(row, column);
        this.#keys.set(label, new Contact(board.clock, sw, { bounceMs: options.bounceMs, random }));
      }),
    );
  }

  press(label: string): void {
    this.#key(label).press();
  }

  release(label: string): void {
    this.#key(label).release();
  }

  /** Presses `label`, holds it `holdMs`, releases it. */
  tap(label: string, holdMs = 80): void {
    this.press(label);
    this.board.clock.set(() => this.release(label), holdMs);
  }

  /** Types `text` one key at a time: each held `holdMs`, then `gapMs` before the next. */
  type(text: string, holdMs = 80, gapMs = 80): number {
    let at = 0;
    for (const label of text) {
      this.board.clock.set(() => this.press(label), at);
      this.board.clock.set(() => this.release(label), at + holdMs);
      at += holdMs + gapMs;
    }
    return at;
  }

  isPressed(label: string): boolean {
    return this.#key(label).pressed;
  }

  #key(label: string): Contact {
    const key = this.#keys.get(label);
    if (!key) throw new RangeError(`the keypad has no key "${label}"`);
    return key;
  }
}
