import { describe, expect, it } from "vitest";
import { DebouncedButtons } from "../../firmware/drivers/buttons.ts";
import { VirtualBoard } from "../../simulator/hardware/board.ts";
import { PushButtons } from "../../simulator/hardware/buttons.ts";

const PINS = { opt1: 4, opt2: 5, opt3: 18, confirm: 19, cancel: 23 };

function setup(bounceMs = 5, debounceMs = 20) {
  const board = new VirtualBoard();
  const emulated = new PushButtons(board, { pins: PINS, bounceMs });
  const presses: string[] = [];
  const buttons = new DebouncedButtons({
    buttons: Object.entries(PINS).map(([name, pin]) => ({ name, io: board.Digital, pin })),
    timers: board.clock,
    debounceMs,
    onPress: (name) => presses.push(name),
  });
  return { board, clock: board.clock, emulated, buttons, presses };
}

describe("vote buttons against bouncing contacts", () => {
  it("a bouncing press is one press, though the contact made a burst of edges", () => {
    const { clock, emulated, presses } = setup();
    emulated.click("opt2");
    clock.advance(500);
    expect(emulated.edges("opt2")).toBeGreaterThan(6);
    expect(presses).toEqual(["opt2"]);
  });

  it("without the debouncer the same contact would have counted several presses", () => {
    const { board, clock, emulated } = setup();
    let falls = 0;
    // A raw listener on the same net, counting every falling edge.
    board.watch(PINS.confirm, (level) => (falls += level === 0 ? 1 : 0));
    emulated.click("confirm");
    clock.advance(500);
    expect(falls).toBeGreaterThan(1);
  });

  it("choose then confirm: two presses in order, and isPressed follows the held button", () => {
    const { clock, emulated, buttons, presses } = setup();
    emulated.click("opt1");
    clock.advance(300);
    emulated.press("confirm");
    clock.advance(100);
    expect(buttons.isPressed("confirm")).toBe(true);
    expect(buttons.isPressed("opt1")).toBe(false);
    emulated.release("confirm");
    clock.advance(100);
    expect(buttons.isPressed("confirm")).toBe(false);
    expect(presses).toEqual(["opt1", "confirm"]);
  });

  it("a button held at boot reads as pressed and does not fire onPress", () => {
    const board = new VirtualBoard();
    const emulated = new PushButtons(board, { pins: PINS });
    emulated.press("cancel");
    board.clock.advance(50);
    const presses: string[] = [];
    const buttons = new DebouncedButtons({
      buttons: Object.entries(PINS).map(([name, pin]) => ({ name, io: board.Digital, pin })),
      timers: board.clock,
      onPress: (name) => presses.push(name),
    });
    board.clock.advance(100);
    expect(buttons.isPressed("cancel")).toBe(true);
    expect(presses).toEqual([]);
  });

  it("a glitch shorter than the debounce time is ignored", () => {
    const { clock, emulated, presses } = setup(0);
    emulated.press("opt3");
    clock.advance(4);
    emulated.release("opt3");
    clock.advance(200);
    expect(presses).toEqual([]);
  });

  it("the settle window always ends, whatever fractional instants the bounces fall on", () => {
    const board = new VirtualBoard();
    const emulated = new PushButtons(board, { pins: { opt2: 5 }, bounceMs: 6, seed: "xs" });
    const presses: string[] = [];
    new DebouncedButtons({ buttons: [{ name: "opt2", io: board.Digital, pin: 5 }], timers: board.clock, onPress: (n) => presses.push(n) });
    emulated.click("opt2");
    board.clock.advance(400);
    expect(presses).toEqual(["opt2"]);
    expect(board.clock.pending).toBe(0);
  });

  it("asking for an unknown button names it", () => {
    const { buttons } = setup();
    expect(() => buttons.isPressed("maybe")).toThrow(/no button named "maybe"/);
  });
});
