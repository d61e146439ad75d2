// MQTT on the board: Moddable's ECMA-419 MQTT client
// (embedded:network/mqtt/client, from the SDK's examples/io/tcp/mqttclient),
// over embedded:io/socket/tcp with the UDP DNS resolver. The classic `mqtt`
// module speaks QoS 0 only; this client sends QoS 1 PUBLISH packets with our
// packet ids and reports PUBACK through onControl, which is how the uplink
// knows the broker has each message.
import MQTTClient from "embedded:network/mqtt/client";
import TCP from "embedded:io/socket/tcp";
import UDP from "embedded:io/socket/udp";
import Resolver from "embedded:network/dns/resolver/udp";
import Timer from "timer";
import type { MqttConnectOptions, MqttService } from "../mqtt";
import type { WiFiLink } from "./network";

/** What the client passes to onControl (the typings declare two arguments; the client passes this one). */
interface ControlMessage {
  readonly operation: number;
  readonly id: number;
  readonly returnCode?: number;
}

interface PendingPublish {
  readonly data: Uint8Array;
  readonly topic: string;
  readonly id: number;
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

const MAX_PENDING = 8;

export class ModdableMqtt implements MqttService {
  readonly #network: WiFiLink;
  #client: MQTTClient | undefined;
  #connected = false;
  #packetId = 0;
  /** Publishes the socket had no room for yet; written from onWritable, in order. */
  #pending: PendingPublish[] = [];
  /** The message being received in fragments. */
  #incoming: { topic: string; bytes: Uint8Array; at: number } | undefined;
  onConnect?: () => void;
  onClose?: (reason: string) => void;
  onMessage?: (topic: string, payload: Uint8Array, retained: boolean) => void;
  onPuback?: (packetId: number) => void;

  constructor(network: WiFiLink) {
    this.#network = network;
  }

  get connected(): boolean {
    return this.#connected;
  }

  connect(options: MqttConnectOptions): void {
    this.#drop();
    if (!this.#network.ready) {
      Timer.set(() => this.onClose?.("no Wi-Fi address yet"), 0);
      return;
    }
    const self = this;
    const settings = {
      host: options.host,
      port: options.port,
      id: options.clientId,
      user: options.user,
      password: options.password,
      clean: true,
      keepalive: options.keepAliveSeconds * 1000, // the client reads `keepalive`, in ms
      will: { topic: options.will.topic, message: options.will.payload, QoS: options.will.qos, retain: options.will.retain },
      dns: { io: Resolver, servers: this.#network.dns, socket: { io: UDP } },
      socket: { io: TCP },
      onControl(this: MQTTClient, message: ControlMessage) {
        if (self.#client !== this) return;
        if (message.operation === MQTTClient.CONNACK) {
          self.#connected = true;
          self.onConnect?.();
        } else if (message.operation === MQTTClient.PUBACK) self.onPuback?.(message.id);
      },
      onReadable(this: MQTTClient, count: number, info: { more: boolean; topic?: string; byteLength?: number }) {
        if (self.#client !== this) return;
        self.#readable(this, count, info);
      },
      onWritable(this: MQTTClient) {
        if (self.#client === this) self.#writePending();
      },
      onError(this: MQTTClient) {
        if (self.#client === this) self.#closed("connection failed or lost");
      },
      onClose(this: MQTTClient) {
        if (self.#client === this) self.#closed("connection closed");
      },
    };
    try {
      this.#client = new MQTTClient(settings as unknown as ConstructorParameters<typeof MQTTClient>[0]);
    } catch (e) {
      Timer.set(() => this.onClose?.(`cannot connect: ${String(e)}`), 0);
    }
  }

  publish(topic: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): number {
    if (!this.#client || !this.#connected) throw new Error("not connected");
    if (this.#pending.length >= MAX_PENDING) throw new Error("MQTT send queue full");
    this.#packetId = (this.#packetId % 65535) + 1;
    this.#pending.push({ data: payload, topic, id: this.#packetId, qos, retain });
    this.#writePending();
    return qos === 1 ? this.#packetId : 0;
  }

  subscribe(filters: readonly string[]): void {
    if (!this.#client || !this.#connected) throw new Error("not connected");
    const items = filters.map((topic) => ({ topic, QoS: 1 }));
    control(this.#client, { operation: MQTTClient.SUBSCRIBE, items });
  }

  disconnect(): void {
    if (this.#client && this.#connected) {
      try {
        control(this.#client, { operation: MQTTClient.DISCONNECT });
      } catch {
        // the socket is already gone: closing is all that is left
      }
    }
    this.#drop();
  }

  #writePending(): void {
    const client = this.#client;
    while (client && this.#pending.length) {
      const p = this.#pending[0];
      try {
        client.write(p.data, { topic: p.topic, QoS: p.qos, retain: p.retain, id: p.id });
      } catch {
        return; // no room in the socket yet: onWritable calls again
      }
      this.#pending.shift();
    }
  }

  #readable(client: MQTTClient, count: number, info: { more: boolean; topic?: string; byteLength?: number }): void {
    if (info.topic !== undefined) this.#incoming = { topic: info.topic, bytes: new Uint8Array(info.byteLength ?? count), at: 0 };
    const incoming = this.#incoming;
    const chunk = new Uint8Array(client.read(count));
    if (!incoming) return;
    incoming.bytes.set(chunk.subarray(0, incoming.bytes.length - incoming.at), incoming.at);
    incoming.at += chunk.length;
    if (!info.more) {
      this.#incoming = undefined;
      this.onMessage?.(incoming.topic, incoming.bytes, false); // the client does not report the retain flag
    }
  }

  #closed(reason: string): void {
    this.#drop();
    this.onClose?.(reason);
  }

  #drop(): void {
    const client = this.#client;
    this.#client = undefined;
    this.#connected = false;
    this.#pending.length = 0;
    this.#incoming = undefined;
    try {
      client?.close();
    } catch {
      // already closed by the client itself
    }
  }
}

/** A packet without payload (SUBSCRIBE, DISCONNECT): the client takes `null` data, which its typings do not allow. */
function control(client: MQTTClient, options: { operation: number; items?: { topic: string; QoS: number }[] }): void {
  client.write(null as unknown as ArrayBuffer, options as unknown as Parameters<MQTTClient["write"]>[1]);
}
