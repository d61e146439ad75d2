// The kiosk behind the device panel: one simulated device (the real firmware
// on emulated hardware) and the stand-in gateway on the in-process link, on a
// virtual clock that follows the wall clock. People act on it through the
// page; every action goes into one queue and runs at the pace a hand would
// (a key held 80 ms, a finger on the sensor until the module has read it).
import { decodeSign1, parsePayload, parseTopic, toHex, type Payload } from "../../firmware/protocol/index";
import type { Led, LedMode } from "../../firmware/hal/indicators";
import { VirtualClock } from "../clock";
import { KioskHardware, SimDevice } from "../device";
import { constantLoad } from "../hardware/load-profile";
import { LinkBroker } from "../services/mqtt-link";
import { provisionKiosk } from "../scenario/execute";
import { StandInGateway, standInKeys, weekLongBallot } from "../scenario/gateway";
import { standInTarget } from "../scenario/in-process";
import type { BallotSpec, DeviceSpec } from "../scenario/spec";
import { MqttTap } from "../scenario/tap";

export interface PanelMessage {
  /** Virtual seconds since the panel started. */
  readonly at: number;
  readonly direction: "out" | "in";
  readonly topic: string;
  readonly summary: string;
  readonly payload: Payload | null;
  readonly hex: string;
}

export interface PanelState {
  readonly dev: string;
  readonly on: boolean;
  readonly mode: string;
  readonly screen: readonly string[];
  readonly leds: Record<Led, LedMode>;
  readonly beeps: number;
  readonly watts: number;
  readonly energyWh: number;
  readonly linkUp: boolean;
  readonly auth: string;
  readonly voters: readonly { number: number; id: string; pin?: string; finger?: string }[];
  readonly fingers: readonly string[];
  readonly ballot: { readonly title: string; readonly options: readonly { id: string; label: string }[] };
  readonly messages: readonly PanelMessage[];
  readonly log: readonly string[];
  readonly busy: boolean;
}

export interface PanelKioskOptions {
  readonly seed?: string;
  readonly auth?: "pin" | "fp" | "pin+fp";
}

type Action = () => Promise<void>;

export const PANEL_DEVICE: Omit<DeviceSpec, "auth"> = {
  id: "kiosk-panel",
  key: "atecc608a",
  fingerprint: true,
  voters: [
    { number: 12, id: "shareholder-12", pin: "4321", finger: "alice-right-index" },
    { number: 7, id: "shareholder-7", pin: "2468", finger: "bob-left-thumb" },
  ],
  meters: [{ ch: 0, imp: 1000, load: { kind: "constant", watts: 1200 } }],
  line: 0,
};

export const PANEL_BALLOT: BallotSpec = weekLongBallot("agm-2026.item-3", "Item 3: budget", "agm-2026");

const SITE = "town-hall";

export class PanelKiosk {
  readonly clock = new VirtualClock(0);
  readonly broker: LinkBroker;
  readonly gateway: StandInGateway;
  readonly hardware: KioskHardware;
  readonly device: SimDevice;
  readonly messages: PanelMessage[] = [];
  readonly log: string[] = [];
  readonly #tap: MqttTap;
  readonly #spec: DeviceSpec;
  readonly #seed: string;
  readonly #start = Math.floor(Date.now() / 1000);
  readonly #listeners = new Set<() => void>();
  #queue: Action[] = [];
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #watts = 1200;
  #linkUp = true;

  constructor(options: PanelKioskOptions = {}) {
    this.#seed = options.seed ?? "panel";
    this.#spec = { ...PANEL_DEVICE, auth: options.auth ?? "pin" };
    this.broker = new LinkBroker(this.clock);
    this.broker.recording = false;
    this.gateway = new StandInGateway(this.broker, SITE, standInKeys(this.#seed, SITE), () => this.#start * 1000 + Math.floor(this.clock.now()));
    this.hardware = new KioskHardware(this.clock, { seed: `${this.#seed}/kiosk`, meters: [{ ch: 0, imp: 1000, profile: constantLoad(this.#watts) }] });
    this.#tap = new MqttTap({ dev: this.#spec.id, timers: this.clock, record: (t) => this.#record(t.direction, t.topic, t.payload), drop: () => this.broker.drop(this.#spec.id, "network down") });
    this.device = new SimDevice({ clock: this.clock, hardware: this.hardware, mqtt: () => this.#tap.wrap(this.broker.client()), worldEpoch: this.#start, seed: `${this.#seed}/kiosk` });
    this.device.display.onShow = () => this.#changed();
    this.device.console.onOutput = (line) => this.#logLine(line);
  }

  /** Provisions the kiosk over its console, publishes the ballot, and lets the clock follow the wall clock. */
  async start(): Promise<void> {
    const target = { ...standInTarget(this.gateway) };
    await provisionKiosk({ clock: this.clock, device: this.device, hardware: this.hardware, spec: this.#spec, site: SITE, seed: this.#seed, brokerUrl: "mqtt://broker.town-hall.lan:1883", target });
    this.device.console.onOutput = (line) => this.#logLine(line);
    this.gateway.setOnline(true);
    this.gateway.publishBallot(PANEL_BALLOT, this.#start);
    await this.clock.run(5000);
    let last = Date.now();
    let ticking = false;
    this.#timer = setInterval(() => {
      const now = Date.now();
      const elapsed = now - last;
      last = now;
      if (this.#running || ticking) return; // an action drives the clock itself, at a hand's pace
      ticking = true;
      void this.clock.run(elapsed).finally(() => (ticking = false));
    }, 20);
    this.#changed();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.device.on) this.device.powerCut();
    this.#listeners.clear();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- what a person can do -------------------------------------------------

  key(label: string): Promise<void> {
    return this.#enqueue(async () => {
      this.hardware.keypad.tap(label);
      await this.#wait(180);
    });
  }

  press(button: string): Promise<void> {
    return this.#enqueue(async () => {
      this.hardware.buttons.click(button);
      await this.#wait(300);
    });
  }

  finger(name: string): Promise<void> {
    return this.#enqueue(async () => {
      this.hardware.fingerprint!.placeFinger(name);
      await this.#wait(1500);
      this.hardware.fingerprint!.liftFinger();
      await this.#wait(200);
    });
  }

  setLoad(watts: number): Promise<void> {
    return this.#enqueue(async () => {
      this.#watts = watts;
      this.hardware.meters.get(0)!.setProfile(constantLoad(watts));
      this.#changed();
    });
  }

  setLink(up: boolean): Promise<void> {
    return this.#enqueue(async () => {
      this.#linkUp = up;
      this.#tap.setDown(!up);
      await this.#wait(50);
    });
  }

  setPower(on: boolean): Promise<void> {
    return this.#enqueue(async () => {
      if (on && !this.device.on) await this.clock.runUntil(this.device.boot());
      if (!on && this.device.on) this.device.powerCut();
      await this.#wait(100);
    });
  }

  state(): PanelState {
    const device = this.device;
    return {
      dev: this.#spec.id,
      on: device.on,
      mode: device.on ? device.app.mode : "off",
      screen: device.display.lines,
      leds: { ...device.indicators.leds },
      beeps: device.indicators.beeps.length,
      watts: this.#watts,
      energyWh: this.hardware.meters.get(0)!.energyWh,
      linkUp: this.#linkUp,
      auth: this.#spec.auth,
      voters: this.#spec.voters,
      fingers: [...this.#spec.voters.flatMap((v) => (v.finger ? [v.finger] : [])), "stranger-index"],
      ballot: { title: PANEL_BALLOT.title, options: PANEL_BALLOT.options },
      messages: this.messages.slice(-30),
      log: this.log.slice(-30),
      busy: this.#running || this.#queue.length > 0,
    };
  }

  // ---- inside ---------------------------------------------------------------

  #enqueue(action: Action): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push(() => action().then(resolve, reject));
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    while (this.#queue.length) await this.#queue.shift()!().catch(() => undefined);
    this.#running = false;
    this.#changed();
  }

  /** Lets `ms` pass, on the virtual clock and on the wall clock alike (a person's pace). */
  async #wait(ms: number): Promise<void> {
    for (let left = ms; left > 0; left -= 20) {
      await this.clock.run(Math.min(20, left));
      await new Promise((resolve) => setTimeout(resolve, Math.min(20, left)));
    }
  }

  #record(direction: "out" | "in", topic: string, bytes: Uint8Array): void {
    const parsed = parseTopic(topic);
    if (!parsed || parsed.kind !== "device" || parsed.channel === "state") return;
    let payload: Payload | null = null;
    try {
      payload = parsePayload(decodeSign1(bytes).payload);
    } catch {
      payload = null;
    }
    this.messages.push({ at: Math.round(this.clock.now()) / 1000, direction, topic, summary: summarise(payload), payload, hex: toHex(bytes) });
    if (this.messages.length > 500) this.messages.shift();
    this.#changed();
  }

  #logLine(line: string): void {
    this.log.push(line.startsWith("# ") ? line.slice(2) : line);
    if (this.log.length > 200) this.log.shift();
    this.#changed();
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}

function summarise(p: Payload | null): string {
  if (!p) return "undecodable";
  switch (p.t) {
    case "vote":
      return `vote #${p.seq}: ${p.voter} → ${p.choice}`;
    case "reading":
      return `reading #${p.seq}: ${p.d} pulses (count ${p.count})`;
    case "status":
      return `status #${p.seq}: outbox ${p.outbox}`;
    case "ack":
      return `ack #${p.seq}: receipt ${p.code}`;
    case "nack":
      return `nack #${p.seq}: ${p.reason}`;
    default:
      return p.t;
  }
}
