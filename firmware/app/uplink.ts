// The MQTT uplink (PROTOCOL §5): client id = user = device id, a retained
// last will `offline` on the device's state topic and `online` once
// connected; the outbox is flushed in seq order with QoS 1 while the
// gateway's retained state is `online`, and held otherwise. Reconnects back
// off exponentially (1 s … 64 s, each stretched by up to 25 % by a fixed
// per-device factor, so a fleet that lost its broker together does not
// return together).
import { deviceSubscriptions, deviceTopic, parseTopic, utf8Decode, utf8Encode } from "../protocol/index";
import type { MqttService } from "../hal/mqtt";
import type { Timers, TimerHandle } from "../hal/timers";
import type { Outbox, QueuedMessage } from "./outbox";

export type UplinkState = "stopped" | "connecting" | "connected" | "waiting";

/** QoS 1 publishes in flight (PUBACK not yet back) at once. */
export const WINDOW = 4;
/** A message published but not answered by the gateway in this time is published again (the gateway de-duplicates). */
export const ANSWER_TIMEOUT_MS = 60_000;
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 64_000;
const ONLINE = utf8Encode("online");

export interface UplinkOptions {
  readonly site: string;
  readonly dev: string;
  readonly host: string;
  readonly port: number;
  readonly password: string;
}

export interface UplinkEvents {
  /** A gateway answer (ack or nack) arrived on the device's ack topic; not yet verified. */
  onAnswer(bytes: Uint8Array): void;
  onBallot(id: string, bytes: Uint8Array): void;
  /** Connection or gateway state changed. */
  onLinkChange(): void;
  log(text: string): void;
}

export class Uplink {
  #mqtt: MqttService;
  #timers: Timers;
  #outbox: Outbox;
  #events: UplinkEvents;
  #options: UplinkOptions;
  #state: UplinkState = "stopped";
  #gatewayOnline = false;
  #backoff = FIRST_BACKOFF_MS;
  #retry: TimerHandle | undefined;
  #resend: TimerHandle | undefined;
  #inFlight = 0;
  #jitter: number;
  readonly #stateTopic: string;

  constructor(mqtt: MqttService, timers: Timers, outbox: Outbox, options: UplinkOptions, events: UplinkEvents) {
    this.#mqtt = mqtt;
    this.#timers = timers;
    this.#outbox = outbox;
    this.#options = options;
    this.#events = events;
    this.#stateTopic = deviceTopic(options.site, options.dev, "state");
    let h = 0;
    for (let i = 0; i < options.dev.length; i++) h = (h * 31 + options.dev.charCodeAt(i)) % 1000;
    this.#jitter = h;
    mqtt.onConnect = () => this.#connected();
    mqtt.onClose = (reason) => this.#closed(reason);
    mqtt.onMessage = (topic, payload) => this.#message(topic, payload);
    mqtt.onPuback = (id) => this.#puback(id);
  }

  get state(): UplinkState {
    return this.#state;
  }

  /** Connected to the broker and the gateway says it is online: messages flow. */
  get flowing(): boolean {
    return this.#state === "connected" && this.#gatewayOnline;
  }

  start(): void {
    if (this.#state !== "stopped") return;
    this.#resend = this.#timers.repeat(() => this.flush(), ANSWER_TIMEOUT_MS / 2);
    this.#connect();
  }

  stop(): void {
    this.#timers.clear(this.#retry);
    this.#timers.clear(this.#resend);
    this.#retry = this.#resend = undefined;
    if (this.#state === "connected") this.#mqtt.disconnect();
    this.#state = "stopped";
    this.#gatewayOnline = false;
  }

  #connect(): void {
    this.#retry = undefined;
    this.#state = "connecting";
    const { dev, host, port, password } = this.#options;
    this.#mqtt.connect({
      host,
      port,
      clientId: dev,
      user: dev,
      password,
      keepAliveSeconds: 60,
      will: { topic: this.#stateTopic, payload: "offline", retain: true, qos: 1 },
    });
  }

  #connected(): void {
    if (this.#state !== "connecting") return;
    this.#state = "connected";
    this.#backoff = FIRST_BACKOFF_MS;
    this.#inFlight = 0;
    for (const m of this.#outbox.messages) {
      m.packetId = 0;
      m.sentAt = -1; // a new connection sends everything again, in order
    }
    this.#mqtt.publish(this.#stateTopic, ONLINE, 1, true);
    this.#mqtt.subscribe(deviceSubscriptions(this.#options.site, this.#options.dev));
    this.#events.log("connected");
    this.#events.onLinkChange();
  }

  #closed(reason: string): void {
    if (this.#state === "stopped") return;
    const was = this.#state;
    this.#state = "waiting";
    this.#gatewayOnline = false;
    this.#inFlight = 0;
    const delay = this.#backoff + Math.floor((this.#jitter * this.#backoff) / 4000); // + 0 … 25 %, fixed per device
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
    this.#events.log(`${was === "connected" ? "connection lost" : "connection failed"} (${reason}); retry in ${Math.round(delay / 1000)} s`);
    this.#retry = this.#timers.set(() => this.#connect(), delay);
    if (was === "connected") this.#events.onLinkChange();
  }

  #message(topic: string, payload: Uint8Array): void {
    const parsed = parseTopic(topic);
    if (!parsed || parsed.site !== this.#options.site) return;
    if (parsed.kind === "gateway-state") {
      let online = false;
      try {
        online = utf8Decode(payload) === "online";
      } catch {
        online = false;
      }
      if (online !== this.#gatewayOnline) {
        this.#gatewayOnline = online;
        this.#events.log(`gateway ${online ? "online" : "offline"}`);
        this.#events.onLinkChange();
      }
      if (online) this.flush();
    } else if (parsed.kind === "ballot") this.#events.onBallot(parsed.ballot, payload);
    else if (parsed.kind === "device" && parsed.dev === this.#options.dev && parsed.channel === "ack") this.#events.onAnswer(payload);
  }

  #puback(packetId: number): void {
    for (const m of this.#outbox.messages) {
      if (m.packetId === packetId) {
        m.packetId = 0;
        if (this.#inFlight > 0) this.#inFlight--;
        break;
      }
    }
    this.flush();
  }

  /** Publishes what is due, in seq order, at most WINDOW awaiting PUBACK. */
  flush(): void {
    if (!this.flowing) return;
    const now = this.#timers.now();
    for (const m of this.#outbox.messages) {
      if (this.#inFlight >= WINDOW) return;
      if (m.packetId !== 0) continue;
      if (m.sentAt >= 0 && now - m.sentAt < ANSWER_TIMEOUT_MS) continue;
      if (!this.#publish(m)) return;
    }
  }

  #publish(m: QueuedMessage): boolean {
    const bytes = this.#outbox.bytes(m.seq);
    if (!bytes) return true;
    try {
      m.packetId = this.#mqtt.publish(deviceTopic(this.#options.site, this.#options.dev, m.type), bytes, 1, false);
    } catch (e) {
      this.#events.log(`publish failed: ${String(e)}`);
      return false;
    }
    m.sentAt = this.#timers.now();
    this.#inFlight++;
    return true;
  }

  /** Publishes a message that is not kept in the outbox (status): QoS 1, not tracked. */
  publishUntracked(type: "status", bytes: Uint8Array): boolean {
    if (this.#state !== "connected") return false;
    try {
      this.#mqtt.publish(deviceTopic(this.#options.site, this.#options.dev, type), bytes, 1, false);
      return true;
    } catch {
      return false;
    }
  }

  /** An answered message left the outbox. */
  answered(m: QueuedMessage): void {
    if (m.packetId !== 0 && this.#inFlight > 0) this.#inFlight--;
    this.flush();
  }
}
