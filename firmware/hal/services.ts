// Everything the device application needs besides the input devices: the
// services of DESIGN.md (Firmware) that ECMA-419 does not cover.
import type { Clock } from "./clock";
import type { Console } from "./console";
import type { Display } from "./display";
import type { Indicators } from "./indicators";
import type { MqttService } from "./mqtt";
import type { Storage } from "./storage";
import type { Timers } from "./timers";

export interface Services {
  readonly timers: Timers;
  readonly storage: Storage;
  readonly clock: Clock;
  readonly mqtt: MqttService;
  readonly display: Display;
  readonly indicators: Indicators;
  readonly console: Console;
  /** Free heap in bytes, where the platform can tell. */
  heapFree?(): number | undefined;
}
