// The technician's terminal at the other end of the device's console UART:
// it types lines as bytes on the virtual wire (at the port's baud rate) and
// collects the device's answers line by line. The firmware's real
// SerialConsole reads those bytes, so the provisioning protocol is tested
// down to the line ends. No Node APIs.
import { utf8Decode, utf8Encode } from "../../firmware/protocol/index";
import type { Console } from "../../firmware/hal/console";
import type { UartLink, UartPart } from "../hardware/serial";

export class SerialTerminal implements UartPart {
  #link: UartLink | undefined;
  #pending: number[] = [];
  /** Every line the device wrote, oldest first. */
  readonly output: string[] = [];
  onOutput?: (line: string) => void;

  /** Plugs the terminal into a UART wire (as a USB-serial cable would). */
  connect(link: UartLink): void {
    this.#link = link;
    link.attachPart(this);
  }

  /** Sends a line to the device, as typed at the terminal (CR LF at the end). */
  type(line: string): void {
    if (!this.#link) throw new Error("the terminal is not connected to a UART");
    this.#link.fromPart(utf8Encode(`${line}\r\n`));
  }

  /** Bytes from the device. */
  receive(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (b === 13) continue;
      if (b !== 10) {
        this.#pending.push(b);
        continue;
      }
      const line = utf8Decode(Uint8Array.from(this.#pending));
      this.#pending.length = 0;
      this.output.push(line);
      this.onOutput?.(line);
    }
  }

  /** Lines written since index `from`. */
  since(from: number): string[] {
    return this.output.slice(from);
  }

  /** The answer of the command typed after `from`: its ". " lines and its final ok/err line, or undefined while it runs. */
  answer(from: number): { lines: string[]; final: string } | undefined {
    return answerOf(this.output.slice(from));
  }
}

/**
 * A line-level console with no UART under it: the device's Console service and
 * the technician's terminal in one object. For fleets, where thousands of
 * devices need no byte timing; SimDevice uses the real SerialConsole instead.
 */
export class SimConsole implements Console {
  onLine?: (line: string) => void;
  /** Every line the device wrote, oldest first. */
  readonly output: string[] = [];
  onOutput?: (line: string) => void;

  write(line: string): void {
    this.output.push(line);
    this.onOutput?.(line);
  }

  /** Sends a line to the device, as typed at the terminal. */
  type(line: string): void {
    this.onLine?.(line);
  }

  close(): void {
    this.onLine = undefined;
  }

  since(from: number): string[] {
    return this.output.slice(from);
  }

  answer(from: number): { lines: string[]; final: string } | undefined {
    return answerOf(this.output.slice(from));
  }
}

function answerOf(lines: string[]): { lines: string[]; final: string } | undefined {
  const end = lines.findIndex((l) => l.startsWith("ok") || l.startsWith("err"));
  if (end < 0) return undefined;
  return { lines: lines.slice(0, end).filter((l) => l.startsWith(". ")).map((l) => l.slice(2)), final: lines[end] };
}
