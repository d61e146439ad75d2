// What the drivers need of a host provider: the IO classes of Moddable's
// `device` (embedded:provider/builtin). The board passes `device` itself, the
// simulator a VirtualBoard's `device`; builtin-fit.ts checks at compile time
// that Moddable's classes fit.
import type { DigitalClass, I2CClass, PulseCountClass, SerialClass } from "./io";

export interface DriverProvider {
  readonly io: {
    readonly Digital: DigitalClass;
    readonly Serial: SerialClass;
    readonly I2C: I2CClass;
    readonly PulseCount?: PulseCountClass;
  };
}
