import { describe, expect, it } from "vitest";
import { MatrixKeypad } from "../../firmware/drivers/keypad.ts";
import { VirtualBoard } from "../../simulator/hardware/board.ts";
import { KeypadMatrix } from "../../simulator/hardware/keypad.ts";

const ROWS = [13, 12, 14, 27];
const COLUMNS = [26, 25, 33];
const LABELS = ["123", "456", "789", "*0#"];

function setup(options: { bounceMs?: number; scanMs?: number } = {}) {
  const board = new VirtualBoard();
  const matrix = new KeypadMatrix(board, { rows: ROWS, columns: COLUMNS, labels: LABELS, bounceMs: options.bounceMs });
  const keys: string[] = [];
  const keypad = new MatrixKeypad({
    rows: ROWS.map((pin) => ({ io: board.Digital, pin })),
    columns: COLUMNS.map((pin) => ({ io: board.Digital, pin })),
    timers: board.clock,
    scanMs: options.scanMs,
    onKey: (label) => keys.push(label),
  });
  return { board, clock: board.clock, matrix, keypad, keys };
}

describe("matrix keypad against the emulated pin matrix", () => {
  it("a typed PIN arrives as one event per key, in order", () => {
    const { clock, matrix, keys } = setup();
    clock.advance(matrix.type("4711#") + 100);
    expect(keys).toEqual(["4", "7", "1", "1", "#"]);
  });

  it("a key held across many scans produces one event (no auto-repeat)", () => {
    const { clock, matrix, keypad, keys } = setup();
    matrix.press("5");
    clock.advance(2_000);
    expect(keys).toEqual(["5"]);
    expect(keypad.held).toEqual(["5"]);
    matrix.release("5");
    clock.advance(100);
    expect(keypad.held).toEqual([]);
    expect(keys).toEqual(["5"]);
  });

  it("a bouncing key still counts once", () => {
    const { clock, matrix, keys } = setup({ bounceMs: 5 });
    clock.advance(matrix.type("2580") + 100);
    expect(keys).toEqual(["2", "5", "8", "0"]);
  });

  it("a tap shorter than the debounce window is not a key press", () => {
    const { clock, matrix, keys } = setup({ scanMs: 10 });
    matrix.tap("9", 3);
    clock.advance(200);
    expect(keys).toEqual([]);
  });

  it("while idle the driver does not scan: rows held low, no timers, until a column falls", () => {
    const { board, clock, matrix, keys } = setup();
    clock.advance(1_000);
    expect(clock.pending).toBe(0);
    for (const row of ROWS) expect(board.circuit.level(row)).toBe(0);
    matrix.press("3");
    clock.advance(50);
    expect(keys).toEqual(["3"]);
    matrix.release("3");
    clock.advance(100);
    expect(clock.pending).toBe(0);
  });

  it("the emulated matrix ghosts: three keys in an L make the fourth corner read as pressed", () => {
    const board = new VirtualBoard();
    const matrix = new KeypadMatrix(board, { rows: ROWS, columns: COLUMNS, labels: LABELS });
    const rows = ROWS.map((pin) => new board.Digital({ pin, mode: board.Digital.OutputOpenDrain }));
    const columns = COLUMNS.map((pin) => new board.Digital({ pin, mode: board.Digital.InputPullUp }));
    for (const label of ["1", "2", "4"]) matrix.press(label);
    for (const row of rows) row.write(1);
    rows[1].write(0); // scan the "456" row
    expect(columns.map((c) => c.read())).toEqual([0, 0, 1]); // "4" really, "5" a ghost
  });

  it("three keys in an L do not invent the ghost fourth key", () => {
    const { clock, matrix, keys } = setup();
    matrix.press("1");
    clock.advance(50);
    matrix.press("2");
    clock.advance(50);
    matrix.press("4"); // with 1 and 2 down, the matrix also shows 5
    clock.advance(200);
    expect(keys).toEqual(["1", "2"]);
    matrix.release("1"); // no rectangle any more: 4 is unambiguous now, 5 gone
    clock.advance(200);
    expect(keys).toEqual(["1", "2", "4"]);
  });

  it("a 4×4 keypad reports the letter keys", () => {
    const board = new VirtualBoard();
    const columns = [26, 25, 33, 32];
    const labels = ["123A", "456B", "789C", "*0#D"];
    const matrix = new KeypadMatrix(board, { rows: ROWS, columns, labels });
    const keys: string[] = [];
    new MatrixKeypad({
      rows: ROWS.map((pin) => ({ io: board.Digital, pin })),
      columns: columns.map((pin) => ({ io: board.Digital, pin })),
      timers: board.clock,
      onKey: (label) => keys.push(label),
    });
    board.clock.advance(matrix.type("A1D") + 100);
    expect(keys).toEqual(["A", "1", "D"]);
  });

  it("close releases every pin and stops scanning", () => {
    const { board, clock, matrix, keypad, keys } = setup();
    matrix.press("1");
    clock.advance(30);
    keypad.close();
    expect(board.pinsInUse).toEqual([]);
    clock.advance(500);
    expect(clock.pending).toBe(0);
    expect(keys).toEqual(["1"]);
  });

  it("a pin already taken is reported with the pin and its owner", () => {
    const board = new VirtualBoard();
    new board.Digital({ pin: 13, mode: board.Digital.Output });
    expect(() => new MatrixKeypad({ rows: ROWS.map((pin) => ({ io: board.Digital, pin })), columns: COLUMNS.map((pin) => ({ io: board.Digital, pin })), timers: board.clock })).toThrow(
      /pin 13 is already in use by Digital/,
    );
    expect(board.pinsInUse).toEqual([13]);
  });
});
