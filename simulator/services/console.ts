// The simulated serial console: a technician (or a test, or the tools)
// types lines and reads the device's answers. No Node APIs.
import type { Console } from "../../firmware/hal/console";

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

  /** Lines written since index `from`. */
  since(from: number): string[] {
    return this.output.slice(from);
  }

  /** The answer of the last command typed after `from`: its ". " lines and its final ok/err line, or undefined while it runs. */
  answer(from: number): { lines: string[]; final: string } | undefined {
    const lines = this.output.slice(from);
    const end = lines.findIndex((l) => l.startsWith("ok") || l.startsWith("err"));
    if (end < 0) return undefined;
    return { lines: lines.slice(0, end).filter((l) => l.startsWith(". ")).map((l) => l.slice(2)), final: lines[end] };
  }
}
