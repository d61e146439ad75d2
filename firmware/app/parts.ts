// The input devices and the signing key as the application receives them:
// the board builds them from Moddable's `device` provider, the simulator from
// its virtual provider wired to emulated parts.
import type { Buttons, Fingerprint, Keypad, PulseInput, SecureKey } from "../drivers/interfaces";
import type { Alg } from "../protocol/index";

/** Where the device key lives: it is made there and never leaves. */
export interface KeyStore {
  readonly alg: Alg;
  /** "ATECC608A slot 0", "software key in NVS": shown to the technician. */
  readonly description: string;
  /** The device key, or undefined when none was generated yet. */
  open(): Promise<SecureKey | undefined>;
  /** Makes a new device key (replacing any earlier one) and returns it. */
  generate(): Promise<SecureKey>;
}

export interface Parts {
  readonly keypad?: Keypad;
  readonly buttons?: Buttons;
  readonly fingerprint?: Fingerprint;
  /** One per wired S0 input; the configuration says which channels are meters. */
  readonly pulses: readonly PulseInput[];
  readonly keys: KeyStore;
}

/** The button names the application understands; option buttons are opt1 … optN in order. */
export const CONFIRM = "confirm";
export const CANCEL = "cancel";
export function optionButton(index: number): string {
  return `opt${index + 1}`;
}
export function optionIndexOfButton(name: string): number {
  return /^opt[1-9]$/.test(name) ? Number(name.slice(3)) - 1 : -1;
}
