// One simulated Signet device: the real firmware application (firmware/app)
// and the real drivers, on emulated hardware (simulator/hardware) wired like
// the ESP32-WROOM-32SE kiosk board of manifest.json, with the simulated
// services (simulator/services) on the virtual clock. The hardware and the
// flash outlive a boot: `powerCut()` stops the firmware dead at any instant,
// `boot()` starts it again on the same board and flash. No Node APIs: the
// same assembly runs on XS.
import { DeviceApp, type DeviceMode } from "../firmware/app/device";
import type { KeyStore, Parts } from "../firmware/app/parts";
import { ATECC608A, SecureElementKeyStore } from "../firmware/drivers/atecc608a";
import type { PulseInput } from "../firmware/drivers/interfaces";
import { DebouncedButtons } from "../firmware/drivers/buttons";
import { R30xFingerprint } from "../firmware/drivers/fingerprint";
import { MatrixKeypad } from "../firmware/drivers/keypad";
import { S0Input } from "../firmware/drivers/s0";
import { SoftwareKeyStore } from "../firmware/drivers/softkey";
import type { MqttService } from "../firmware/hal/mqtt";
import { SerialConsole } from "../firmware/hal/serial-console";
import type { Services } from "../firmware/hal/services";
import type { Storage } from "../firmware/hal/storage";
import type { Timers } from "../firmware/hal/timers";
import { sha256Digest, utf8Encode } from "../firmware/protocol/index";
import type { VirtualClock } from "./clock";
import { Atecc608aChip } from "./hardware/atecc608a";
import { VirtualBoard } from "./hardware/board";
import { PushButtons } from "./hardware/buttons";
import { FingerprintModule } from "./hardware/fingerprint";
import { KeypadMatrix } from "./hardware/keypad";
import type { LoadProfile } from "./hardware/load-profile";
import { S0Meter } from "./hardware/s0meter";
import { SimWallClock } from "./services/clock";
import { SerialTerminal } from "./services/console";
import { SimDisplay, SimIndicators } from "./services/display";
import { LinkBroker, LinkClient } from "./services/mqtt-link";
import { ScopedTimers } from "./services/power";
import { SimFlash, type SimStorage } from "./services/storage";

/** The kiosk board's wiring (ESP32-WROOM-32SE DevKit; the same numbers as manifest.json's esp32 config). */
export const KIOSK_PINS = Object.freeze({
  keypadRows: [13, 14, 27, 23],
  keypadColumns: [25, 26, 33],
  buttons: Object.freeze({ opt1: 34, opt2: 35, opt3: 36, confirm: 4, cancel: 0 }),
  fingerprint: Object.freeze({ port: 2, receive: 19, transmit: 18, baud: 57600 }),
  secureElement: Object.freeze({ port: 0, data: 16, clock: 17, address: 0x60 }),
  pulses: Object.freeze([Object.freeze({ channel: 0, pin: 39 })]),
  console: Object.freeze({ port: 0, receive: 3, transmit: 1, baud: 115200 }),
});

/** Input-only pins of the kiosk board that carry an external pull-up resistor. */
export const EXTERNAL_PULL_UPS = Object.freeze([34, 35, 36, 39]);

export const KEYPAD_LAYOUT = Object.freeze(["123", "456", "789", "*0#"]);

export interface KioskHardwareOptions {
  /** Seed of everything random on the board (contact bounce, the secure element's generator). */
  readonly seed?: string;
  readonly fingerprint?: boolean;
  /** Where the device key lives: the module's ATECC608A (default) or the software store in NVS. */
  readonly key?: "atecc608a" | "software";
  /** Energy meters wired to the S0 inputs: channel, meter constant and the load it measures. */
  readonly meters?: readonly { readonly ch: number; readonly imp: number; readonly profile: LoadProfile }[];
}

/** The physical kiosk: board, keypad, buttons, fingerprint module. It survives reboots and power cuts. */
export class KioskHardware {
  readonly board: VirtualBoard;
  readonly keypad: KeypadMatrix;
  readonly buttons: PushButtons;
  readonly fingerprint: FingerprintModule | undefined;
  readonly secureElement: Atecc608aChip | undefined;
  /** Meters by channel. */
  readonly meters = new Map<number, S0Meter>();

  constructor(clock: VirtualClock, options: KioskHardwareOptions = {}) {
    const seed = options.seed ?? "kiosk";
    // The ESP32's pin rules hold: GPIO34–39 are input-only without internal
    // pulls, so the kiosk board carries 10 kΩ pull-ups on the buttons and the S0 line there.
    this.board = new VirtualBoard({ clock, gpio: "esp32" });
    for (const pin of EXTERNAL_PULL_UPS) this.board.circuit.resistor(pin, "up");
    const se = KIOSK_PINS.secureElement;
    this.secureElement = options.key === "software" ? undefined : new Atecc608aChip(this.board, { address: se.address, port: se.port, seed: `${seed}/atecc608a` });
    this.keypad = new KeypadMatrix(this.board, { rows: KIOSK_PINS.keypadRows, columns: KIOSK_PINS.keypadColumns, labels: KEYPAD_LAYOUT, seed: `${seed}/keypad` });
    this.buttons = new PushButtons(this.board, { pins: KIOSK_PINS.buttons, seed: `${seed}/buttons` });
    for (const m of options.meters ?? []) {
      const input = KIOSK_PINS.pulses.find((p) => p.channel === m.ch);
      if (!input) throw new RangeError(`the kiosk board has no S0 input for channel ${m.ch}`);
      this.meters.set(m.ch, new S0Meter(this.board, { pin: input.pin, profile: m.profile, impulsesPerKwh: m.imp }));
    }
    this.fingerprint = options.fingerprint === false ? undefined : new FingerprintModule(this.board, { port: KIOSK_PINS.fingerprint.port, baud: KIOSK_PINS.fingerprint.baud });
  }
}

/**
 * Builds the drivers for one boot, as firmware/main.ts does on the board,
 * through the virtual board's provider. `random` seeds the software key store
 * when the board has no secure element.
 */
export function buildParts(hardware: KioskHardware, timers: Timers, storage: Storage, random: (length: number) => Uint8Array): BoardParts {
  const io = hardware.board.device.io;
  const se = KIOSK_PINS.secureElement;
  const chip = hardware.secureElement
    ? new ATECC608A({ sensor: { io: io.I2C, data: se.data, clock: se.clock, address: se.address, port: se.port }, timers })
    : undefined;
  const keys: KeyStore = chip ? new SecureElementKeyStore(chip) : new SoftwareKeyStore({ storage, name: "devkey", random });
  const keypad = new MatrixKeypad({
    rows: KIOSK_PINS.keypadRows.map((pin) => ({ io: io.Digital, pin })),
    columns: KIOSK_PINS.keypadColumns.map((pin) => ({ io: io.Digital, pin })),
    labels: KEYPAD_LAYOUT,
    timers,
  });
  const buttons = new DebouncedButtons({
    buttons: Object.entries(KIOSK_PINS.buttons).map(([name, pin]) => ({ name, io: io.Digital, pin })),
    timers,
  });
  const f = KIOSK_PINS.fingerprint;
  const fingerprint = hardware.fingerprint
    ? new R30xFingerprint({ serial: { io: io.Serial, port: f.port, receive: f.receive, transmit: f.transmit, baud: f.baud }, timers })
    : undefined;
  const pulses: PulseInput[] = KIOSK_PINS.pulses.map((p) => new S0Input({ channel: p.channel, input: { io: io.Digital, pin: p.pin }, timers }));
  return {
    parts: { keypad, buttons, fingerprint, pulses, keys },
    close: () => {
      keypad.close();
      buttons.close();
      fingerprint?.close();
      chip?.close();
      for (const p of pulses) p.close();
    },
  };
}

/** The drivers of one boot, and how to let go of their pins when the power goes. */
export interface BoardParts {
  readonly parts: Parts;
  close(): void;
}

/** Deterministic random bytes (PIN salts) from a seed: SHA-256 in counter mode. */
export function seededRandom(seed: string): (length: number) => Uint8Array {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let at = 0; at < length; at += 32) out.set(sha256Digest(utf8Encode(`${seed}/${counter++}`)).subarray(0, Math.min(32, length - at)), at);
    return out;
  };
}

export interface SimDeviceOptions {
  readonly clock: VirtualClock;
  readonly hardware: KioskHardware;
  readonly flash?: SimFlash;
  /** The MQTT side: an in-process broker (default: a new one), or a factory of clients (e.g. the Node mqtt.js service). */
  readonly broker?: LinkBroker;
  readonly mqtt?: () => MqttService;
  /** Unix seconds of the world at virtual time 0. */
  readonly worldEpoch: number;
  readonly syncAfterMs?: number;
  readonly ntpReachable?: boolean;
  readonly seed?: string;
  /** Precomputed table window for the gateway's key (see KioskOptions.verifyTableWindow); fleets set it. */
  readonly verifyTableWindow?: number;
}

/** One boot of the firmware: its services and drivers. */
export interface Boot {
  readonly app: DeviceApp;
  readonly services: Services;
  readonly storage: SimStorage;
  readonly timers: ScopedTimers;
  readonly wallClock: SimWallClock;
  readonly parts: Parts;
  readonly board: BoardParts;
  readonly serial: SerialConsole;
}

export class SimDevice {
  readonly clock: VirtualClock;
  readonly hardware: KioskHardware;
  readonly flash: SimFlash;
  readonly broker: LinkBroker;
  readonly display = new SimDisplay();
  readonly indicators = new SimIndicators();
  /** The technician's terminal on the console UART. */
  readonly console = new SerialTerminal();
  readonly #options: SimDeviceOptions;
  #boot: Boot | undefined;
  #mqtt: MqttService | undefined;
  boots = 0;

  constructor(options: SimDeviceOptions) {
    this.#options = options;
    this.clock = options.clock;
    this.hardware = options.hardware;
    this.flash = options.flash ?? new SimFlash();
    this.broker = options.broker ?? new LinkBroker(options.clock);
    const c = KIOSK_PINS.console;
    this.console.connect(this.hardware.board.uart(c.port, { baud: c.baud }));
  }

  /** The current boot (throws when the device is off). */
  get current(): Boot {
    if (!this.#boot) throw new Error("the device is off");
    return this.#boot;
  }

  get app(): DeviceApp {
    return this.current.app;
  }

  get on(): boolean {
    return this.#boot !== undefined;
  }

  /** Powers up and runs the firmware's boot; resolves with the mode it chose. */
  async boot(): Promise<DeviceMode> {
    if (this.#boot) throw new Error("the device is already on");
    this.boots++;
    const seed = this.#options.seed ?? "device";
    const timers = new ScopedTimers(this.clock);
    const storage = this.flash.mount();
    const wallClock = new SimWallClock(timers, { worldEpoch: this.#options.worldEpoch, syncAfterMs: this.#options.syncAfterMs, reachable: this.#options.ntpReachable });
    const mqtt = this.#options.mqtt ? this.#options.mqtt() : this.broker.client();
    this.#mqtt = mqtt;
    // Once the power is cut, nothing this boot's code still runs (the rest of a
    // call stack, a promise settling) may reach the outside: the flash is dead,
    // the connection gone, and the screen, LEDs and console stop here too.
    const powered = () => this.#boot?.storage === storage;
    const display = this.display;
    const indicators = this.indicators;
    const c = KIOSK_PINS.console;
    const serial = new SerialConsole({ serial: { io: this.hardware.board.device.io.Serial, port: c.port, receive: c.receive, transmit: c.transmit, baud: c.baud } });
    const services: Services = {
      timers,
      storage,
      clock: wallClock,
      mqtt,
      display: { show: (lines) => powered() && display.show(lines) },
      indicators: { led: (led, mode) => powered() && indicators.led(led, mode), beep: (kind) => powered() && indicators.beep(kind) },
      console: {
        write: (line) => powered() && serial.write(line),
        close: () => serial.close(),
        set onLine(handler: ((line: string) => void) | undefined) {
          serial.onLine = handler;
        },
        get onLine() {
          return serial.onLine;
        },
      },
    };
    const random = seededRandom(`${seed}/boot${this.boots}`);
    const board = buildParts(this.hardware, timers, storage, seededRandom(`${seed}/key`));
    const parts = board.parts;
    // Leaving provisioning restarts the board, as on the ESP32 (System.restart).
    const app = new DeviceApp(services, parts, { random, restart: () => void this.reboot(), verifyTableWindow: this.#options.verifyTableWindow });
    this.#boot = { app, services, storage, timers, wallClock, parts, board, serial };
    storage.onPowerCut = () => this.#off();
    wallClock.start();
    return app.boot();
  }

  /** The power goes now: timers stop, the connection drops without goodbye, drivers release the pins. */
  powerCut(): void {
    if (!this.#boot) return;
    this.#boot.storage.cutPower();
  }

  /** Orderly restart: the firmware stops (meter counts written, MQTT disconnected), then boots again. */
  async reboot(): Promise<DeviceMode> {
    if (this.#boot) {
      this.#boot.app.stop();
      this.#off();
    }
    return this.boot();
  }

  #off(): void {
    const boot = this.#boot;
    if (!boot) return;
    this.#boot = undefined;
    boot.timers.kill();
    boot.wallClock.stop();
    if (this.#mqtt instanceof LinkClient) this.#mqtt.powerOff();
    else this.#mqtt?.disconnect();
    this.#mqtt = undefined;
    boot.board.close();
    boot.serial.close();
  }
}

