// The serial console for provisioning: an ECMA-419 Serial port (the board's
// UART0 behind the DevKit's USB bridge, or the simulator's virtual UART) read
// a byte at a time into a line buffer; a line ends at CR or LF. Like the
// drivers, it takes the IO class from whoever builds it.
import type { SerialClass, SerialPort } from "../drivers/io";
import { utf8Decode, utf8Encode } from "../protocol/index";
import type { Console } from "./console";

const MAX_LINE = 512;
const CR = 13;
const LF = 10;

export interface SerialConsoleOptions {
  readonly serial: { readonly io: SerialClass; readonly port: number; readonly receive: number; readonly transmit: number; readonly baud?: number };
}

export class SerialConsole implements Console {
  #serial: SerialPort;
  #line = new Uint8Array(MAX_LINE);
  #length = 0;
  #overflow = false;
  onLine?: (line: string) => void;

  constructor(options: SerialConsoleOptions) {
    const self = this;
    const s = options.serial;
    this.#serial = new s.io({
      port: s.port,
      receive: s.receive,
      transmit: s.transmit,
      baud: s.baud ?? 115200,
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
    this.onLine = undefined;
    this.#serial.close();
  }

  #byte(b: number): void {
    if (b === CR || b === LF) {
      if (this.#length === 0 && !this.#overflow) return; // the LF of a CR LF, or an empty line
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
      return;
    }
    if (this.#length < MAX_LINE) this.#line[this.#length++] = b;
    else this.#overflow = true;
  }
}
