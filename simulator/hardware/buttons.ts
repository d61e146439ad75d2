// Emulated push buttons: each a contact from its pin to ground that bounces
// for a few milliseconds on every press and release.
import { GROUND } from "./circuit";
import type { VirtualBoard } from "./board";
import { Contact } from "./contact";
import { SeededRandom } from "./random";

export interface PushButtonsOptions {
  /** Button name → MCU pin. */
  pins: Readonly<Record<string, number>>;
  /** Chatter after each press and release; 5 ms by default. */
  bounceMs?: number;
  seed?: number | string;
}

export class PushButtons {
  readonly board: VirtualBoard;
  #contacts = new Map<string, Contact>();

  constructor(board: VirtualBoard, options: PushButtonsOptions) {
    this.board = board;
    const random = new SeededRandom(options.seed ?? "buttons");
    for (const [name, pin] of Object.entries(options.pins))
      this.#contacts.set(name, new Contact(board.clock, board.circuit.connect(pin, GROUND), { bounceMs: options.bounceMs ?? 5, random }));
  }

  press(name: string): void {
    this.#contact(name).press();
  }

  release(name: string): void {
    this.#contact(name).release();
  }

  /** Presses `name`, holds it `holdMs`, releases it. */
  click(name: string, holdMs = 120): void {
    this.press(name);
    this.board.clock.set(() => this.release(name), holdMs);
  }

  /** Edges the named contact made so far, bounces included. */
  edges(name: string): number {
    return this.#contact(name).edges;
  }

  #contact(name: string): Contact {
    const contact = this.#contacts.get(name);
    if (!contact) throw new RangeError(`no button named "${name}"`);
    return contact;
  }
}
