// A metering-only device for fleets and benchmarks: a virtual board with one
// emulated S0 meter on the kiosk's pulse input, the real S0 driver, the
// software key store, and the real device application (meter sampler,
// sequence, outbox, uplink) on simulated services. No keypad, buttons,
// fingerprint module or secure element are fitted, so nothing but the meter
// and the firmware's own timers costs time. It is provisioned as a factory
// would before shipping: configuration and key written to its flash. No Node
// APIs (the key store can be swapped for a faster one with the same output).
import { DeviceApp } from "../../firmware/app/device";
import { defaultConfig, saveConfig, type TrustedKey } from "../../firmware/app/config";
import type { KeyStore } from "../../firmware/app/parts";
import { S0Input } from "../../firmware/drivers/s0";
import { SoftwareKeyStore } from "../../firmware/drivers/softkey";
import type { Console } from "../../firmware/hal/console";
import type { MqttService } from "../../firmware/hal/mqtt";
import type { Storage } from "../../firmware/hal/storage";
import { algName, toHex } from "../../firmware/protocol/index";
import type { VirtualClock } from "../clock";
import { KIOSK_PINS, seededRandom } from "../device";
import { VirtualBoard } from "../hardware/board";
import type { LoadProfile } from "../hardware/load-profile";
import { S0Meter } from "../hardware/s0meter";
import { SimWallClock } from "../services/clock";
import { SimDisplay, SimIndicators } from "../services/display";
import { LinkClient } from "../services/mqtt-link";
import { ScopedTimers } from "../services/power";
import { SimFlash, type SimStorage } from "../services/storage";

export interface MeterDeviceOptions {
  readonly id: string;
  readonly site: string;
  readonly seed: string;
  readonly profile: LoadProfile;
  /** Impulses per kWh; 1000 by default. */
  readonly imp?: number;
  /** Unix seconds of the world at virtual time 0. */
  readonly worldEpoch: number;
  /** Where the key lives; the firmware's software key store by default. */
  readonly keys?: (storage: Storage, random: (n: number) => Uint8Array) => KeyStore;
}

export interface MeterProvisioning {
  readonly broker: string;
  readonly password: string;
  readonly gateway: TrustedKey;
  readonly admins?: readonly TrustedKey[];
  readonly intervalSeconds?: number;
}

export class MeterDevice {
  readonly id: string;
  readonly clock: VirtualClock;
  readonly board: VirtualBoard;
  readonly meter: S0Meter;
  readonly flash = new SimFlash();
  readonly display = new SimDisplay(4);
  readonly indicators = new SimIndicators();
  readonly #options: MeterDeviceOptions;
  #storage: SimStorage | undefined;
  #timers: ScopedTimers | undefined;
  #wallClock: SimWallClock | undefined;
  #mqtt: MqttService | undefined;
  #input: S0Input | undefined;
  #app: DeviceApp | undefined;

  constructor(clock: VirtualClock, options: MeterDeviceOptions) {
    this.id = options.id;
    this.clock = clock;
    this.#options = options;
    this.board = new VirtualBoard({ clock });
    this.meter = new S0Meter(this.board, { pin: KIOSK_PINS.pulses[0].pin, profile: options.profile, impulsesPerKwh: options.imp ?? 1000 });
  }

  get app(): DeviceApp | undefined {
    return this.#app;
  }

  #keyStore(storage: Storage): KeyStore {
    const random = seededRandom(`${this.#options.seed}/key`);
    return this.#options.keys ? this.#options.keys(storage, random) : new SoftwareKeyStore({ storage, name: "devkey", random });
  }

  /** Writes the configuration and makes the device key; returns what the gateway enrols. */
  async provision(p: MeterProvisioning): Promise<{ alg: "ES256" | "EdDSA"; pub: string }> {
    const storage = this.flash.mount();
    const config = defaultConfig();
    config.site = this.#options.site;
    config.dev = this.id;
    config.wifiSsid = "signet-fleet";
    config.broker = p.broker;
    config.mqttPassword = p.password;
    config.gateway = p.gateway;
    config.admins = [...(p.admins ?? [])];
    config.meters = [{ ch: 0, imp: this.#options.imp ?? 1000 }];
    if (p.intervalSeconds !== undefined) config.intervalSeconds = p.intervalSeconds;
    saveConfig(storage, config);
    const key = await this.#keyStore(storage).generate();
    return { alg: algName(key.alg) as "ES256" | "EdDSA", pub: toHex(await key.publicKey()) };
  }

  /** Powers up with `mqtt` as the network; resolves once the firmware runs. */
  async boot(mqtt: MqttService): Promise<void> {
    const timers = new ScopedTimers(this.clock);
    const storage = this.flash.mount();
    const wallClock = new SimWallClock(timers, { worldEpoch: this.#options.worldEpoch });
    const input = new S0Input({ channel: 0, input: { io: this.board.device.io.Digital, pin: KIOSK_PINS.pulses[0].pin }, timers });
    const display = this.display;
    const indicators = this.indicators;
    // No technician is plugged in; what the firmware writes is kept for a failed boot's message.
    const output: string[] = [];
    const console: Console = { write: (line) => void output.push(line), close: () => undefined };
    this.#storage = storage;
    this.#timers = timers;
    this.#wallClock = wallClock;
    this.#mqtt = mqtt;
    this.#input = input;
    const app = new DeviceApp(
      { timers, storage, clock: wallClock, mqtt, display, indicators, console },
      { pulses: [input], keys: this.#keyStore(storage) },
      // Fleets check thousands of answers per gateway key: keep its table (memory is no object here).
      { random: seededRandom(`${this.#options.seed}/boot`), verifyTableWindow: 4 },
    );
    this.#app = app;
    wallClock.start();
    const mode = await app.boot();
    if (mode !== "running") throw new Error(`${this.id} booted into ${mode}: ${output.join(" / ")}`);
  }

  /** The power goes: the firmware stops dead, the connection drops without goodbye. */
  powerCut(): void {
    if (!this.#storage) return;
    this.#storage.cutPower();
    this.#timers?.kill();
    this.#wallClock?.stop();
    if (this.#mqtt instanceof LinkClient) this.#mqtt.powerOff();
    else this.#mqtt?.disconnect();
    this.#input?.close();
    this.#storage = this.#timers = this.#wallClock = this.#mqtt = this.#input = this.#app = undefined;
  }

  /** Orderly stop (end of a run): the meter count written, the broker told goodbye. */
  stop(): void {
    this.#app?.stop();
    this.#timers?.kill();
    this.#wallClock?.stop();
    this.#mqtt?.disconnect();
    this.#input?.close();
    this.#storage = this.#timers = this.#wallClock = this.#mqtt = this.#input = this.#app = undefined;
  }
}
