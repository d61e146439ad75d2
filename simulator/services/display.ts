// The simulated display and indicators record what a voter would see and
// hear, for tests, scenarios and the device panel. No Node APIs.
import { fitScreen, type Display } from "../../firmware/hal/display";
import { LEDS, type Beep, type Indicators, type Led, type LedMode } from "../../firmware/hal/indicators";

export class SimDisplay implements Display {
  /** The screen now, exactly as a 20×4 display shows it (padded lines trimmed). */
  lines: string[] = ["", "", "", ""];
  /** Every screen shown, oldest first (bounded). */
  readonly history: string[][] = [];
  onShow?: (lines: readonly string[]) => void;
  readonly #keep: number;

  constructor(keep = 500) {
    this.#keep = keep;
  }

  show(lines: readonly string[]): void {
    this.lines = fitScreen(lines);
    this.history.push(this.lines);
    if (this.history.length > this.#keep) this.history.shift();
    this.onShow?.(this.lines);
  }

  /** The screen as one string, lines joined by " | " with blank ones dropped. */
  get text(): string {
    return this.lines.filter((l) => l !== "").join(" | ");
  }

  /** The screen's words as one sentence (wrapped lines joined by spaces). */
  get words(): string {
    return this.lines.filter((l) => l !== "").join(" ");
  }

  /** True when some screen since `since` (an index into history) contained `text`. */
  shown(text: string, since = 0): boolean {
    return this.history.slice(since).some((lines) => lines.filter((l) => l !== "").join(" ").includes(text));
  }
}

export class SimIndicators implements Indicators {
  readonly leds: Record<Led, LedMode> = { ready: "off", busy: "off", ok: "off", error: "off" };
  readonly beeps: Beep[] = [];

  led(led: Led, mode: LedMode): void {
    if (!LEDS.includes(led)) throw new RangeError(`no LED named ${led}`);
    this.leds[led] = mode;
  }

  beep(kind: Beep): void {
    this.beeps.push(kind);
    if (this.beeps.length > 1000) this.beeps.shift();
  }
}
