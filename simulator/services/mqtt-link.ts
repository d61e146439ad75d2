// An in-process MQTT link on the virtual clock: a small broker that devices'
// MqttService clients connect to, and that a test or a runner drives as the
// gateway side (records every publish, injects messages, keeps retained
// ones, cuts connections and publishes wills). Every hop takes `latencyMs`
// of virtual time, so ordering and timing are as deterministic as the clock.
// No Node APIs: it runs on XS with the firmware.
import type { MqttConnectOptions, MqttService, MqttWill } from "../../firmware/hal/mqtt";
import type { Timers } from "../../firmware/hal/timers";
import { utf8Encode } from "../../firmware/protocol/index";

export interface LinkMessage {
  readonly clientId: string;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1;
  readonly retain: boolean;
  /** Virtual time when the broker received it (ms). */
  readonly at: number;
}

/** MQTT topic filter matching (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

interface Session {
  readonly client: LinkClient;
  readonly clientId: string;
  readonly will: MqttWill;
  readonly filters: string[];
}

export interface LinkOptions {
  readonly latencyMs?: number;
  /** Checks a connecting client's credentials; a refusal closes the attempt. */
  authenticate?(options: MqttConnectOptions): boolean;
}

export class LinkBroker {
  readonly #timers: Timers;
  readonly #latency: number;
  readonly #options: LinkOptions;
  readonly #sessions = new Map<string, Session>();
  readonly retained = new Map<string, Uint8Array>();
  /** Every message the broker received from clients, in order (while `recording`). */
  readonly received: LinkMessage[] = [];
  /** False stops keeping `received` (fleets and long runs: memory stays flat). */
  recording = true;
  #up = true;
  /** The gateway side's view of every client publish (after it is recorded). */
  onPublish?: (message: LinkMessage) => void;
  /** When false, the broker holds back PUBACKs (a broker that is slow to acknowledge). */
  acknowledging = true;
  /** Checks each connecting client's credentials (and lets a test see them); a refusal closes the attempt. */
  authenticate?: (options: MqttConnectOptions) => boolean;

  constructor(timers: Timers, options: LinkOptions = {}) {
    this.#timers = timers;
    this.#latency = options.latencyMs ?? 5;
    this.#options = options;
    this.authenticate = options.authenticate;
  }

  get up(): boolean {
    return this.#up;
  }

  /** The network between devices and broker comes and goes; going down drops every connection (wills are published). */
  set up(value: boolean) {
    this.#up = value;
    if (!value) for (const id of [...this.#sessions.keys()]) this.drop(id, "network down");
  }

  /** A new client (one per device boot). */
  client(): LinkClient {
    return new LinkClient(this, this.#timers, this.#latency);
  }

  connected(clientId: string): boolean {
    return this.#sessions.has(clientId);
  }

  /** Ends a client's connection as a network failure would: the client sees it close and its will is published. */
  drop(clientId: string, reason = "connection lost", only?: LinkClient): void {
    const session = this.#sessions.get(clientId);
    if (!session || (only && session.client !== only)) return;
    this.#sessions.delete(clientId);
    session.client.lost(reason);
    this.#route(clientId, session.will.topic, utf8Encode(session.will.payload), session.will.qos, session.will.retain);
  }

  /** Publishes from the gateway side (acks, ballots, the gateway's state), after one hop. */
  publish(topic: string, payload: Uint8Array, retain = false): void {
    this.#timers.set(() => this.#route("", topic, payload, 1, retain), this.#latency);
  }

  // ---- called by clients ------------------------------------------------

  /** @internal */
  open(client: LinkClient, options: MqttConnectOptions): string | undefined {
    if (!this.#up) return "broker unreachable";
    if (this.authenticate && !this.authenticate(options)) return "not authorised";
    const existing = this.#sessions.get(options.clientId);
    if (existing) this.drop(options.clientId, "taken over by a new connection");
    this.#sessions.set(options.clientId, { client, clientId: options.clientId, will: options.will, filters: [] });
    return undefined;
  }

  /** @internal */
  close(clientId: string): void {
    this.#sessions.delete(clientId);
  }

  /** @internal */
  receive(clientId: string, topic: string, payload: Uint8Array, qos: 0 | 1, retain: boolean, packetId: number): void {
    const session = this.#sessions.get(clientId);
    if (!session) return; // the connection died while the packet was on the wire
    this.#route(clientId, topic, payload, qos, retain);
    if (qos === 1 && this.acknowledging) this.#timers.set(() => session.client.puback(packetId), this.#latency);
  }

  /** @internal */
  subscribe(clientId: string, filters: readonly string[]): void {
    const session = this.#sessions.get(clientId);
    if (!session) return;
    session.filters.push(...filters);
    for (const [topic, payload] of this.retained)
      if (filters.some((f) => topicMatches(f, topic))) this.#timers.set(() => session.client.deliver(topic, payload, true), this.#latency);
  }

  #route(clientId: string, topic: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): void {
    if (retain) {
      if (payload.length === 0) this.retained.delete(topic);
      else this.retained.set(topic, payload);
    }
    if (clientId !== "") {
      const message: LinkMessage = { clientId, topic, payload, qos, retain, at: this.#timers.now() };
      if (this.recording) this.received.push(message);
      this.onPublish?.(message);
    }
    for (const session of this.#sessions.values())
      if (session.filters.some((f) => topicMatches(f, topic))) this.#timers.set(() => session.client.deliver(topic, payload, false), this.#latency);
  }
}

export class LinkClient implements MqttService {
  readonly #broker: LinkBroker;
  readonly #timers: Timers;
  readonly #latency: number;
  #clientId = "";
  #connected = false;
  #attempt = 0;
  #packetId = 0;
  onConnect?: () => void;
  onClose?: (reason: string) => void;
  onMessage?: (topic: string, payload: Uint8Array, retained: boolean) => void;
  onPuback?: (packetId: number) => void;

  constructor(broker: LinkBroker, timers: Timers, latencyMs: number) {
    this.#broker = broker;
    this.#timers = timers;
    this.#latency = latencyMs;
  }

  get connected(): boolean {
    return this.#connected;
  }

  connect(options: MqttConnectOptions): void {
    const attempt = ++this.#attempt;
    this.#clientId = options.clientId;
    this.#timers.set(() => {
      if (attempt !== this.#attempt) return;
      const refused = this.#broker.open(this, options);
      this.#timers.set(() => {
        if (attempt !== this.#attempt) return;
        if (refused) return this.onClose?.(refused);
        this.#connected = true;
        this.onConnect?.();
      }, this.#latency);
    }, this.#latency);
  }

  publish(topic: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): number {
    if (!this.#connected) throw new Error("not connected");
    const id = qos === 1 ? (this.#packetId = (this.#packetId % 65535) + 1) : 0;
    const copy = payload.slice();
    const clientId = this.#clientId;
    const attempt = this.#attempt;
    this.#timers.set(() => {
      if (attempt === this.#attempt && this.#connected) this.#broker.receive(clientId, topic, copy, qos, retain, id);
    }, this.#latency);
    return id;
  }

  subscribe(filters: readonly string[]): void {
    if (!this.#connected) throw new Error("not connected");
    const list = [...filters];
    this.#timers.set(() => {
      if (this.#connected) this.#broker.subscribe(this.#clientId, list);
    }, this.#latency);
  }

  disconnect(): void {
    this.#attempt++;
    if (this.#connected) this.#broker.close(this.#clientId);
    this.#connected = false;
  }

  /** @internal the broker ended the connection. */
  lost(reason: string): void {
    this.#attempt++;
    this.#connected = false;
    this.onClose?.(reason);
  }

  /** @internal */
  puback(packetId: number): void {
    if (this.#connected) this.onPuback?.(packetId);
  }

  /** @internal */
  deliver(topic: string, payload: Uint8Array, retained: boolean): void {
    if (this.#connected) this.onMessage?.(topic, payload, retained);
  }

  /** Power cut: the connection just stops (the broker notices later and publishes the will). */
  powerOff(): void {
    this.#attempt++;
    const was = this.#connected;
    this.#connected = false;
    this.onConnect = this.onClose = this.onMessage = this.onPuback = undefined;
    if (was) this.#timers.set(() => this.#broker.drop(this.#clientId, "keep-alive expired", this), this.#latency);
  }
}
