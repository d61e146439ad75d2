// Compile-time only: Moddable's host provider (embedded:provider/builtin, as
// typed by @moddable/typings) fits what the drivers ask for, so board code can
// hand `device.io.Digital`, `device.io.Serial`, `device.io.I2C` and
// `device.io.PulseCount` to them unchanged. `npm run check` fails when not.
import type device from "embedded:provider/builtin";
import type { DigitalClass, I2CClass, PulseCountClass, SerialClass } from "./io";
import type { DriverProvider } from "./provider";

type Fits<T extends true> = T;

export type BuiltinDigitalFits = Fits<typeof device.io.Digital extends DigitalClass ? true : false>;
export type BuiltinSerialFits = Fits<typeof device.io.Serial extends SerialClass ? true : false>;
export type BuiltinI2CFits = Fits<typeof device.io.I2C extends I2CClass ? true : false>;
export type BuiltinPulseCountFits = Fits<typeof device.io.PulseCount extends PulseCountClass ? true : false>;
export type BuiltinProviderFits = Fits<typeof device extends DriverProvider ? true : false>;
