// LEDs and the buzzer: what a voter notices without reading the display.

export type Led = "ready" | "busy" | "ok" | "error";
export type LedMode = "off" | "on" | "blink";
export type Beep = "key" | "ok" | "error";

export const LEDS: readonly Led[] = ["ready", "busy", "ok", "error"];

export interface Indicators {
  led(led: Led, mode: LedMode): void;
  beep(kind: Beep): void;
}
