// LEDs and buzzer on the board: one Digital output per LED (blinking by a
// shared timer) and a piezo buzzer on a PWM output.
import Digital from "embedded:io/digital";
import PWM from "embedded:io/pwm";
import Timer from "timer";
import type { Beep, Indicators, Led, LedMode } from "../indicators";

export interface IndicatorPins {
  readonly leds: Partial<Record<Led, number>>;
  readonly buzzer?: number;
}

const BEEPS: Readonly<Record<Beep, readonly [hz: number, ms: number]>> = Object.freeze({
  key: [2000, 20],
  ok: [1500, 150],
  error: [400, 400],
});
const BLINK_MS = 250;

export class BoardIndicators implements Indicators {
  #leds = new Map<Led, Digital>();
  #modes = new Map<Led, LedMode>();
  #buzzerPin: number | undefined;
  #buzzer: PWM | undefined;
  #blink: ReturnType<typeof Timer.repeat> | undefined;
  #phase: 0 | 1 = 0;
  #quiet: ReturnType<typeof Timer.set> | undefined;

  constructor(pins: IndicatorPins) {
    for (const [led, pin] of Object.entries(pins.leds) as [Led, number][]) {
      this.#leds.set(led, new Digital({ pin, mode: Digital.Output }));
      this.#modes.set(led, "off");
    }
    this.#buzzerPin = pins.buzzer;
  }

  led(led: Led, mode: LedMode): void {
    const out = this.#leds.get(led);
    if (!out || this.#modes.get(led) === mode) return;
    this.#modes.set(led, mode);
    out.write(mode === "on" ? 1 : mode === "blink" ? this.#phase : 0);
    const blinking = [...this.#modes.values()].includes("blink");
    if (blinking && !this.#blink) this.#blink = Timer.repeat(() => this.#toggle(), BLINK_MS);
    else if (!blinking && this.#blink) {
      Timer.clear(this.#blink);
      this.#blink = undefined;
    }
  }

  beep(kind: Beep): void {
    if (this.#buzzerPin === undefined) return;
    const [hz, ms] = BEEPS[kind];
    Timer.clear(this.#quiet);
    this.#silence();
    this.#buzzer = new PWM({ pin: this.#buzzerPin, hz });
    this.#buzzer.write(this.#buzzer.resolution > 1 ? 2 ** (this.#buzzer.resolution - 1) : 1); // half duty: loudest square wave
    this.#quiet = Timer.set(() => {
      this.#quiet = undefined;
      this.#silence();
    }, ms);
  }

  #silence(): void {
    if (!this.#buzzer) return;
    this.#buzzer.write(0);
    (this.#buzzer as unknown as { close(): void }).close();
    this.#buzzer = undefined;
  }

  #toggle(): void {
    this.#phase = this.#phase ? 0 : 1;
    for (const [led, mode] of this.#modes) if (mode === "blink") this.#leds.get(led)!.write(this.#phase);
  }
}
