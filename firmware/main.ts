// The board's entry: builds the Moddable services and the drivers from the
// host provider (`device`, embedded:provider/builtin) with the pins of the
// board named in manifest.json's config, and starts the device application.
import config from "mc/config";
import System from "embedded:io/system";
import Instrumentation from "instrumentation";
import Time from "time";
import { DeviceApp } from "./app/device";
import { loadConfig } from "./app/config";
import type { KeyStore, Parts } from "./app/parts";
import { ATECC608A, SecureElementKeyStore } from "./drivers/atecc608a";
import { DebouncedButtons } from "./drivers/buttons";
import { R30xFingerprint } from "./drivers/fingerprint";
import { MatrixKeypad } from "./drivers/keypad";
import { S0Input } from "./drivers/s0";
import { SoftwareKeyStore } from "./drivers/softkey";
import { SntpClock } from "./hal/moddable/clock";
import { LcdDisplay } from "./hal/moddable/display";
import { BoardIndicators } from "./hal/moddable/indicators";
import { ModdableMqtt } from "./hal/moddable/mqtt";
import { WiFiLink } from "./hal/moddable/network";
import { PreferenceStorage } from "./hal/moddable/storage";
import { ModdableTimers } from "./hal/moddable/timers";
import { SerialConsole } from "./hal/serial-console";
import type { Services } from "./hal/services";

/**
 * The board's wiring, from manifest.json (`config.signet`). Pin lists are
 * comma-separated strings so a subplatform's config replaces them whole.
 */
interface BoardConfig {
  readonly board: string;
  readonly keypadRows: string;
  readonly keypadColumns: string;
  readonly keypadLabels: string;
  /** "name:pin,name:pin,…" */
  readonly buttons: string;
  /** "port,receive,transmit,baud" or "" when no module is fitted. */
  readonly fingerprint: string;
  /** "port,data,clock,address" or "" to keep the key in software (NVS). */
  readonly secureElement: string;
  /** "port,data,clock,address" of the PCF8574 LCD backpack. */
  readonly lcd: string;
  /** "led:pin,…" for ready, busy, ok, error. */
  readonly leds: string;
  /** Buzzer PWM pin, or -1. */
  readonly buzzer: number;
  /** "channel:pin,…" S0 inputs. */
  readonly pulses: string;
  /** "port,receive,transmit,baud" of the provisioning console. */
  readonly console: string;
}

const board = (config as unknown as { signet: BoardConfig }).signet;

function numbers(list: string): number[] {
  return list === "" ? [] : list.split(",").map((n) => Number(n));
}

function pairs(list: string): [string, number][] {
  return list === "" ? [] : list.split(",").map((item) => {
    const [name, pin] = item.split(":");
    return [name, Number(pin)];
  });
}

/** Random bytes for PIN salts: the ESP32's hardware generator behind Math.random, stirred with the tick count. */
function random(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (Math.random() * 256) ^ (Time.ticks >> (i & 7));
  return out;
}

// Moddable's classes fit what the drivers ask (firmware/drivers/builtin-fit.ts checks it at compile time).
const io = device.io;
const timers = new ModdableTimers();
const storage = new PreferenceStorage("signet");
const provisioned = loadConfig(storage);
const network = new WiFiLink(provisioned.wifiSsid, provisioned.wifiPassword);
const clock = new SntpClock(provisioned.ntp);
network.onAddress = () => clock.start();

const [consolePort, consoleRx, consoleTx, consoleBaud] = numbers(board.console);
const [lcdPort, lcdData, lcdClock, lcdAddress] = numbers(board.lcd);
const services: Services = {
  timers,
  storage,
  clock,
  mqtt: new ModdableMqtt(network),
  display: new LcdDisplay({ port: lcdPort, data: lcdData, clock: lcdClock, address: lcdAddress }),
  indicators: new BoardIndicators({ leds: Object.fromEntries(pairs(board.leds)), buzzer: board.buzzer >= 0 ? board.buzzer : undefined }),
  console: new SerialConsole({ serial: { io: io.Serial, port: consolePort, receive: consoleRx, transmit: consoleTx, baud: consoleBaud } }),
  heapFree: () => Instrumentation.get(Instrumentation.map("System Free Memory")),
};

const keypad = new MatrixKeypad({
  rows: numbers(board.keypadRows).map((pin) => ({ io: io.Digital, pin })),
  columns: numbers(board.keypadColumns).map((pin) => ({ io: io.Digital, pin })),
  labels: board.keypadLabels.split(","),
  timers,
});
const buttons = new DebouncedButtons({ buttons: pairs(board.buttons).map(([name, pin]) => ({ name, io: io.Digital, pin })), timers });
const [fpPort, fpRx, fpTx, fpBaud] = numbers(board.fingerprint);
const fingerprint = board.fingerprint ? new R30xFingerprint({ serial: { io: io.Serial, port: fpPort, receive: fpRx, transmit: fpTx, baud: fpBaud }, timers }) : undefined;
const [sePort, seData, seClock, seAddress] = numbers(board.secureElement);
const keys: KeyStore = board.secureElement
  ? new SecureElementKeyStore(new ATECC608A({ sensor: { io: io.I2C, port: sePort, data: seData, clock: seClock, address: seAddress }, timers }))
  : new SoftwareKeyStore({ storage, name: "devkey", random });
const pulses = pairs(board.pulses).map(([channel, pin]) => new S0Input({ channel: Number(channel), input: { io: io.Digital, pin }, timers }));
const parts: Parts = { keypad, buttons, fingerprint, pulses, keys };

network.start();
const app = new DeviceApp(services, parts, { random, restart: () => System.restart() });
app.boot().then(
  (mode) => services.console.write(`# ${board.board}: ${mode}`),
  (e: unknown) => services.console.write(`# boot failed: ${String(e)}`),
);
