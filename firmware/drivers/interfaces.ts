// What the device application needs from each input device and from the
// signing key. The drivers in this folder implement these; the app depends on
// nothing else of them, so a board variant can swap a part.
import type { Alg } from "../protocol/sig";

/** Matrix keypad: one event per debounced key press, with the key's label ("0"–"9", "*", "#", "A"–"D"). */
export interface Keypad {
  onKey?: (label: string) => void;
  onError?: (error: Error) => void;
  close(): void;
}

/** Vote buttons: one event per debounced press, with the button's configured name (e.g. "yes", "confirm"). */
export interface Buttons {
  onPress?: (name: string) => void;
  onError?: (error: Error) => void;
  /** True while the named button is held (for "held at boot" checks). */
  isPressed(name: string): boolean;
  close(): void;
}

export interface FingerprintMatch {
  readonly slot: number;
  readonly confidence: number;
}

/** R30x / R503 / AS608 family fingerprint module. Every operation rejects with an Error naming what failed. */
export interface Fingerprint {
  /** Waits (up to `timeoutMs`) for a finger, then searches the library: the match, or null for an unknown finger. */
  identify(timeoutMs?: number): Promise<FingerprintMatch | null>;
  /** Two captures of the same finger, merged and stored at `slot`. `onStep` tells the user what to do next. */
  enroll(slot: number, onStep?: (step: "place" | "lift" | "place-again") => void, timeoutMs?: number): Promise<void>;
  delete(slot: number): Promise<void>;
  count(): Promise<number>;
  close(): void;
}

/**
 * A signing key that never leaves its store: the ATECC608A (ES256, key made
 * inside the chip) or the software store (EdDSA). `sign` takes the bytes to be
 * signed (the COSE Sig_structure); ES256 keys hash them with SHA-256 and sign
 * the digest. ES256 results are r‖s normalised to low-S (PROTOCOL §3).
 */
export interface SecureKey {
  readonly alg: Alg;
  publicKey(): Promise<Uint8Array>;
  sign(toBeSigned: Uint8Array): Promise<Uint8Array>;
  close(): void;
}

/** An S0 pulse input: the number of valid pulses counted since the driver started (wraps handled inside). */
export interface PulseInput {
  readonly channel: number;
  read(): number;
  onError?: (error: Error) => void;
  close(): void;
}
