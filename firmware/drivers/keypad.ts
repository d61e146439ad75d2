// Matrix keypad (4×3 or 4×4) scanned through Digital pins. Rows are
// open-drain outputs, columns inputs with pull-ups. While no key is down all
// rows are held low and a falling column edge wakes the driver; it then scans
// every `scanMs`, one row low at a time, until every key is up again. A key
// counts as down after `debounceScans` scans agree; it reports once per press
// (no auto-repeat). Keys forming a rectangle with a third are ambiguous (a
// ghost may be among them), so such scans change nothing.
import type { Timers, TimerHandle } from "../hal/timers";
import type { DigitalPin, DigitalSpec } from "./io";
import type { Keypad } from "./interfaces";

export const KEYPAD_LABELS = Object.freeze({
  "4x3": Object.freeze(["123", "456", "789", "*0#"]),
  "4x4": Object.freeze(["123A", "456B", "789C", "*0#D"]),
});

export interface KeypadOptions {
  rows: readonly DigitalSpec[];
  columns: readonly DigitalSpec[];
  /** One string per row, one character per column; the standard layout by default. */
  labels?: readonly string[];
  timers: Timers;
  /** Scan period while a key is down; 10 ms by default. */
  scanMs?: number;
  /** Consecutive agreeing scans before a key counts as down or up; 2 by default. */
  debounceScans?: number;
  onKey?: (label: string) => void;
  onError?: (error: Error) => void;
}

export class MatrixKeypad implements Keypad {
  onKey?: (label: string) => void;
  onError?: (error: Error) => void;
  #rows: DigitalPin[] = [];
  #columns: DigitalPin[] = [];
  #labels: string[];
  #timers: Timers;
  #scanMs: number;
  #debounce: number;
  #seen: Uint8Array; // this scan: bit c of #seen[r] = column c low while row r driven
  #level: Uint8Array; // per key: 0 … debounce, integrating scans
  #down: Uint8Array; // per key: 1 while debounced down
  #scanning: TimerHandle | undefined;
  #closed = false;

  constructor(options: KeypadOptions) {
    const nRows = options.rows.length;
    const nColumns = options.columns.length;
    if (nRows < 1 || nRows > 8 || nColumns < 1 || nColumns > 8) throw new RangeError(`keypad must have 1 to 8 rows and columns, got ${nRows}×${nColumns}`);
    const labels = options.labels ?? (nColumns === 4 ? KEYPAD_LABELS["4x4"] : KEYPAD_LABELS["4x3"]);
    if (labels.length !== nRows || labels.some((row) => row.length !== nColumns))
      throw new RangeError(`keypad labels must be ${nRows} rows of ${nColumns} characters`);
    this.#labels = labels.join("").split("");
    this.#timers = options.timers;
    this.#scanMs = options.scanMs ?? 10;
    this.#debounce = options.debounceScans ?? 2;
    this.onKey = options.onKey;
    this.onError = options.onError;
    this.#seen = new Uint8Array(nRows);
    this.#level = new Uint8Array(nRows * nColumns);
    this.#down = new Uint8Array(nRows * nColumns);
    try {
      for (const spec of options.rows) this.#rows.push(new spec.io({ pin: spec.pin, mode: spec.io.OutputOpenDrain }));
      const wake = () => this.#wake();
      for (const spec of options.columns)
        this.#columns.push(new spec.io({ pin: spec.pin, mode: spec.io.InputPullUp, edge: spec.io.Falling, onReadable: wake }));
    } catch (e) {
      this.close();
      throw new Error(`keypad: cannot open pins: ${(e as Error).message}`);
    }
    this.#idle();
    // A key already down at start-up is scanned at once rather than waiting for an edge.
    if (this.#anyColumnLow()) this.#wake();
  }

  /** Labels of the keys currently debounced down, in row-major order. */
  get held(): string[] {
    const held: string[] = [];
    for (let k = 0; k < this.#down.length; k++) if (this.#down[k]) held.push(this.#labels[k]);
    return held;
  }

  /** Scans the matrix once (the periodic scan calls this; a benchmark may too). */
  scan(): void {
    if (this.#closed) return;
    const rows = this.#rows;
    const columns = this.#columns;
    const seen = this.#seen;
    for (let r = 0; r < rows.length; r++) rows[r].write(1);
    for (let r = 0; r < rows.length; r++) {
      rows[r].write(0);
      let bits = 0;
      for (let c = 0; c < columns.length; c++) if (columns[c].read() === 0) bits |= 1 << c;
      seen[r] = bits;
      rows[r].write(1);
    }
    this.#integrate();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.clear(this.#scanning);
    this.#scanning = undefined;
    for (const pin of this.#columns) pin.close();
    for (const pin of this.#rows) pin.close();
  }

  #integrate(): void {
    const seen = this.#seen;
    const nRows = this.#rows.length;
    const nColumns = this.#columns.length;
    let active = false;
    for (let r = 0; r < nRows; r++) {
      let ambiguous = 0;
      for (let r2 = 0; r2 < nRows; r2++) {
        if (r2 === r) continue;
        const common = seen[r] & seen[r2];
        if (common & (common - 1)) ambiguous |= common; // two or more shared columns: a rectangle
      }
      for (let c = 0; c < nColumns; c++) {
        const bit = 1 << c;
        const k = r * nColumns + c;
        if (seen[r] & bit) active = true;
        if (ambiguous & bit) {
          if (this.#down[k] || this.#level[k]) active = true;
          continue;
        }
        if (seen[r] & bit) {
          if (this.#level[k] < this.#debounce && ++this.#level[k] === this.#debounce && !this.#down[k]) {
            this.#down[k] = 1;
            this.#report(this.#labels[k]);
          }
        } else if (this.#level[k] > 0 && --this.#level[k] === 0) this.#down[k] = 0;
        if (this.#level[k]) active = true;
      }
    }
    if (!active) this.#idle();
  }

  #report(label: string): void {
    try {
      this.onKey?.(label);
    } catch (e) {
      this.onError?.(e as Error);
    }
  }

  #wake(): void {
    if (this.#closed || this.#scanning) return;
    this.#scanning = this.#timers.repeat(() => this.scan(), this.#scanMs);
    this.scan();
  }

  #idle(): void {
    if (this.#scanning) {
      this.#timers.clear(this.#scanning);
      this.#scanning = undefined;
    }
    for (const row of this.#rows) row.write(0);
  }

  #anyColumnLow(): boolean {
    for (const column of this.#columns) if (column.read() === 0) return true;
    return false;
  }
}
