// A scenario once it has been parsed and checked (simulator/scenario/parse.ts):
// plain data, JSON-clean, so the Node runner hands the very same object to the
// executor on Node or, as JSON, to the executor bundled for XS. Times are
// milliseconds of virtual time, except ballot windows (seconds from `start`).
import type { AuthMethod } from "../../firmware/protocol/index";

export type LoadSpec =
  | { readonly kind: "constant"; readonly watts: number }
  | { readonly kind: "csv"; readonly csv: string }
  | { readonly kind: "daily"; readonly watts: readonly number[]; readonly startHour: number }
  | { readonly kind: "household"; readonly startHour: number };

export interface VoterSpec {
  readonly number: number;
  readonly id: string;
  readonly pin?: string;
  /** Name of the finger enrolled on the emulated fingerprint module. */
  readonly finger?: string;
}

export interface MeterSpec {
  readonly ch: number;
  readonly imp: number;
  readonly load: LoadSpec;
}

export interface DeviceSpec {
  readonly id: string;
  readonly key: "atecc608a" | "software";
  readonly auth: AuthMethod;
  readonly fingerprint: boolean;
  readonly voters: readonly VoterSpec[];
  readonly meters: readonly MeterSpec[];
  /** Reading interval, seconds (the firmware's `set interval`). */
  readonly interval?: number;
  readonly line: number;
}

export interface BallotSpec {
  readonly id: string;
  readonly rev: number;
  readonly title: string;
  readonly options: readonly { readonly id: string; readonly label: string }[];
  /** Seconds from the scenario's start (negative: already open). */
  readonly opens: number;
  readonly closes: number;
  readonly roll: string;
  /** Voter ids on the roll; the stand-in gateway refuses others with `not-eligible` (absent: everyone). */
  readonly eligible?: readonly string[];
  readonly line: number;
}

export type Expectation =
  | { readonly kind: "display"; readonly text: string }
  | { readonly kind: "shown"; readonly text: string }
  | { readonly kind: "published"; readonly type: "vote" | "reading" | "status"; readonly count?: number; readonly min?: number; readonly ballot?: string; readonly choice?: string; readonly voter?: string }
  | { readonly kind: "acked"; readonly type?: "vote" | "reading"; readonly count?: number; readonly min?: number }
  | { readonly kind: "nacked"; readonly reason: string }
  | { readonly kind: "receipt" }
  | { readonly kind: "energy"; readonly ch: number; readonly wh?: number; readonly within: number }
  | { readonly kind: "outbox"; readonly count: number }
  | { readonly kind: "led"; readonly led: "ready" | "busy" | "ok" | "error"; readonly mode: "on" | "off" | "blink" }
  | { readonly kind: "mode"; readonly mode: "running" | "provisioning" | "off" };

export type Action =
  | { readonly kind: "wait"; readonly ms: number }
  | { readonly kind: "keys"; readonly text: string }
  | { readonly kind: "press"; readonly button: string }
  | { readonly kind: "finger"; readonly name: string; readonly quality: "good" | "smudged" | "partial" }
  | { readonly kind: "load"; readonly ch: number; readonly load: LoadSpec }
  | { readonly kind: "link"; readonly up: boolean }
  | { readonly kind: "gateway"; readonly online: boolean }
  | { readonly kind: "power"; readonly on: boolean }
  | { readonly kind: "reboot" }
  | { readonly kind: "clock"; readonly jumpSeconds: number }
  | { readonly kind: "expect"; readonly checks: readonly { readonly line: number; readonly check: Expectation }[] };

export interface StepSpec {
  readonly line: number;
  /** The device the step acts on or looks at; absent for the network, the gateway and waits. */
  readonly device?: string;
  /** Absolute virtual time from the timeline's start (the step first waits until then). */
  readonly at?: number;
  readonly action: Action;
}

export interface ScenarioSpec {
  readonly name: string;
  readonly file: string;
  /** Seeds every random thing: device keys, PIN salts, contact bounce, the stand-in gateway's keys. */
  readonly seed: string;
  readonly site: string;
  /** The world's Unix seconds when the scenario starts. */
  readonly start: number;
  readonly ballots: readonly BallotSpec[];
  readonly devices: readonly DeviceSpec[];
  readonly steps: readonly StepSpec[];
}
