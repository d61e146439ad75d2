// The kiosk's display on the board: a 20×4 HD44780 character LCD behind a
// PCF8574 I2C backpack (address 0x27), the common module. The backpack's
// eight outputs drive RS, RW, E, the backlight and the four data lines
// D4–D7, so every byte goes to the LCD as two nibbles, each latched by a
// pulse on E.
import I2C from "embedded:io/i2c";
import Timer from "timer";
import { DISPLAY_COLUMNS, DISPLAY_LINES, fitScreen, type Display } from "../display";

const RS = 0x01;
const E = 0x04;
const BACKLIGHT = 0x08;
/** DDRAM address of each line's first character on a 20×4 module. */
const LINE_START = Object.freeze([0x00, 0x40, 0x14, 0x54]);
const CMD_CLEAR = 0x01;
const CMD_ENTRY_MODE = 0x06; // cursor moves right, no shift
const CMD_DISPLAY_ON = 0x0c; // display on, cursor off, blink off
const CMD_FUNCTION_4BIT_2LINE = 0x28;
const CMD_SET_DDRAM = 0x80;

export interface LcdOptions {
  readonly data: number;
  readonly clock: number;
  readonly port?: number;
  readonly address?: number;
  readonly hz?: number;
}

export class LcdDisplay implements Display {
  #i2c: I2C;
  #byte = new Uint8Array(1);
  #shown: string[] = [];

  constructor(options: LcdOptions) {
    this.#i2c = new I2C({ data: options.data, clock: options.clock, port: options.port, address: options.address ?? 0x27, hz: options.hz ?? 100_000 });
    // Power-on reset into 4-bit mode (HD44780 datasheet, figure 24): 0x3 three times, then 0x2.
    Timer.delay(50);
    this.#nibble(0x30, 0);
    Timer.delay(5);
    this.#nibble(0x30, 0);
    this.#nibble(0x30, 0);
    this.#nibble(0x20, 0);
    this.#command(CMD_FUNCTION_4BIT_2LINE);
    this.#command(CMD_DISPLAY_ON);
    this.#command(CMD_CLEAR);
    Timer.delay(2);
    this.#command(CMD_ENTRY_MODE);
  }

  show(lines: readonly string[]): void {
    const screen = fitScreen(lines);
    for (let row = 0; row < DISPLAY_LINES; row++) {
      if (screen[row] === this.#shown[row]) continue; // only the lines that changed are sent
      this.#command(CMD_SET_DDRAM | LINE_START[row]);
      const text = screen[row];
      for (let col = 0; col < DISPLAY_COLUMNS; col++) {
        const c = col < text.length ? text.charCodeAt(col) : 32;
        this.#write(c < 128 ? c : 63, RS); // the LCD's ROM has ASCII only: others show as "?"
      }
    }
    this.#shown = screen;
  }

  #command(value: number): void {
    this.#write(value, 0);
  }

  #write(value: number, mode: number): void {
    this.#nibble(value & 0xf0, mode);
    this.#nibble((value << 4) & 0xf0, mode);
  }

  #nibble(high: number, mode: number): void {
    const out = this.#byte;
    out[0] = high | mode | BACKLIGHT | E;
    this.#i2c.write(out);
    out[0] = high | mode | BACKLIGHT;
    this.#i2c.write(out);
  }
}
