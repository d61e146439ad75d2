// The serial console on the board: a UART (the DevKit's USB bridge) read a
// byte at a time into a line buffer; a line ends at CR or LF.
import Serial from "embedded:io/serial";
import { utf8Decode, utf8Encode } from "../../protocol/index";
import type { Console } from "../console";

const MAX_LINE = 512;
const CR = 13;
const LF = 10;

export interface ConsolePins {
  readonly port: number;
  readonly receive: number;
  readonly transmit: number;
  readonly baud?: number;
}

export class SerialConsole implements Console {
  #serial: Serial;
  #line = new Uint8Array(MAX_LINE);
  #length = 0;
  #overflow = false;
  onLine?: (line: string) => void;

  constructor(pins: ConsolePins) {
    const self = this;
    this.#serial = new Serial({
      port: pins.port,
      receive: pins.receive,
      transmit: pins.transmit,
      baud: pins.baud ?? 115200,
      format: "number",
      onReadable(count: number) {
        while (count-- > 0) self.#byte(this.read() as number);
      },
    });
  }

  write(line: string): void {
    this.#serial.write(utf8Encode(`${line}\r\n`));
  }

  close(): void {
    this.#serial.close();
  }

  #byte(b: number): void {
    if (b === CR || b === LF) {
      if (this.#length > 0 || this.#overflow) {
        let line = "";
        if (this.#overflow) this.write(`err line longer than ${MAX_LINE} bytes`);
        else {
          try {
            line = utf8Decode(this.#line, 0, this.#length);
          } catch {
            this.write("err line is not UTF-8");
          }
        }
        this.#length = 0;
        this.#overflow = false;
        if (line !== "") this.onLine?.(line);
      }
      return;
    }
    if (this.#length < MAX_LINE) this.#line[this.#length++] = b;
    else this.#overflow = true;
  }
}
