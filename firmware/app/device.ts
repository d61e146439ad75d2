// The device application's entry: at boot it reads the configuration and the
// key, and runs the kiosk — or provisioning mode when the device is not
// provisioned, or when CANCEL is held at boot. Board (firmware/main.ts) and
// simulator (simulator/device.ts) both start the firmware here.
import type { Services } from "../hal/services";
import { loadConfig, missing, type DeviceConfig } from "./config";
import { Kiosk } from "./kiosk";
import { CANCEL, type Parts } from "./parts";
import { Provisioning } from "./provisioning";

export const FIRMWARE_VERSION = "signet-fw 0.1.0";

export type DeviceMode = "booting" | "provisioning" | "running" | "stopped";

export interface DeviceOptions {
  /** Random bytes (PIN salts); the board passes its hardware random source, the simulator a seeded one. */
  random(length: number): Uint8Array;
  readonly fw?: string;
  /** See KioskOptions.verifyTableWindow. */
  readonly verifyTableWindow?: number;
  /**
   * Restarts the board. When given, leaving provisioning restarts it, so
   * services built at boot from the configuration (Wi-Fi, SNTP) take the new
   * settings; without it (the simulator) the kiosk starts in place.
   */
  restart?(): void;
}

export class DeviceApp {
  #services: Services;
  #parts: Parts;
  #options: DeviceOptions;
  #mode: DeviceMode = "booting";
  #config: DeviceConfig | undefined;
  #kiosk: Kiosk | undefined;
  #provisioning: Provisioning | undefined;

  constructor(services: Services, parts: Parts, options: DeviceOptions) {
    this.#services = services;
    this.#parts = parts;
    this.#options = options;
  }

  get mode(): DeviceMode {
    return this.#mode;
  }

  /** The running kiosk (undefined in provisioning mode). */
  get kiosk(): Kiosk | undefined {
    return this.#kiosk;
  }

  async boot(): Promise<DeviceMode> {
    const config = loadConfig(this.#services.storage);
    this.#config = config;
    const key = await this.#parts.keys.open();
    const held = this.#parts.buttons?.isPressed(CANCEL) ?? false;
    if (held || !key || missing(config).length > 0) this.#provision();
    else await this.#run();
    return this.#mode;
  }

  #provision(): void {
    this.#mode = "provisioning";
    this.#provisioning = new Provisioning({
      services: this.#services,
      parts: this.#parts,
      config: this.#config!,
      random: (n) => this.#options.random(n),
      run: () => {
        this.#provisioning?.stop();
        this.#provisioning = undefined;
        const restart = this.#options.restart;
        if (restart) {
          this.#mode = "stopped";
          this.#services.timers.set(() => restart(), 200); // let "ok running" leave the UART first
        } else void this.#run();
      },
    });
    this.#provisioning.start();
  }

  async #run(): Promise<void> {
    const key = await this.#parts.keys.open();
    if (!key) return this.#provision();
    this.#mode = "running";
    const serial = this.#services.console;
    this.#kiosk = new Kiosk(this.#services, this.#parts, key, this.#config!, {
      fw: this.#options.fw ?? FIRMWARE_VERSION,
      verifyTableWindow: this.#options.verifyTableWindow,
      log: (text) => serial.write(`# ${text}`),
    });
    // While running, the console only offers the way back into provisioning.
    serial.onLine = (line) => {
      if (line.trim() !== "provision") return serial.write("err running; 'provision' stops the kiosk and enters provisioning mode");
      this.#kiosk?.stop();
      this.#kiosk = undefined;
      this.#provision();
    };
    this.#kiosk.start();
  }

  /** Orderly shutdown (before a reboot): meter counts written, MQTT disconnected. */
  stop(): void {
    this.#kiosk?.stop();
    this.#kiosk = undefined;
    this.#provisioning?.stop();
    this.#provisioning = undefined;
    this.#services.console.onLine = undefined;
    this.#mode = "stopped";
  }
}
