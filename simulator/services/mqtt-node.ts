// The MQTT service over a real network, for Node only: mqtt.js as the
// transport under the firmware's uplink, for simulated devices that talk to a
// real broker (the embedded aedes of the gateway, Mosquitto, EMQX). Like the
// board's client it makes one connection per connect() (no automatic
// reconnect, a clean session: the firmware does both itself), and reports
// each PUBACK by the packet id publish() returned.
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { MqttConnectOptions, MqttService } from "../../firmware/hal/mqtt";

export interface NodeMqttOptions {
  /** mqtt: or mqtts:; by default the firmware's host and port over plain mqtt:. */
  readonly url?: string;
  readonly connectTimeoutMs?: number;
}

export class NodeMqttService implements MqttService {
  readonly #options: NodeMqttOptions;
  #client: MqttClient | undefined;
  #connected = false;
  #packetId = 0;
  #lastError = "";
  onConnect?: () => void;
  onClose?: (reason: string) => void;
  onMessage?: (topic: string, payload: Uint8Array, retained: boolean) => void;
  onPuback?: (packetId: number) => void;

  constructor(options: NodeMqttOptions = {}) {
    this.#options = options;
  }

  get connected(): boolean {
    return this.#connected;
  }

  connect(options: MqttConnectOptions): void {
    this.#end();
    this.#lastError = "";
    const clientOptions: IClientOptions = {
      clientId: options.clientId,
      username: options.user,
      password: options.password,
      keepalive: options.keepAliveSeconds,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: this.#options.connectTimeoutMs ?? 10_000,
      protocolVersion: 4,
      will: { topic: options.will.topic, payload: Buffer.from(options.will.payload, "utf8"), qos: options.will.qos, retain: options.will.retain },
    };
    const client = mqtt.connect(this.#options.url ?? `mqtt://${options.host}:${options.port}`, clientOptions);
    this.#client = client;
    client.on("connect", () => {
      if (this.#client !== client) return;
      this.#connected = true;
      this.onConnect?.();
    });
    client.on("error", (error) => {
      this.#lastError = error.message;
    });
    client.on("message", (topic, payload, packet) => {
      if (this.#client === client) this.onMessage?.(topic, new Uint8Array(payload), packet.retain);
    });
    client.on("close", () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#connected = false;
      client.removeAllListeners();
      client.on("error", () => undefined);
      client.end(true);
      this.onClose?.(this.#lastError || "connection closed");
    });
  }

  publish(topic: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): number {
    const client = this.#client;
    if (!client || !this.#connected) throw new Error("not connected");
    const id = qos === 1 ? (this.#packetId = (this.#packetId % 65535) + 1) : 0;
    client.publish(topic, Buffer.from(payload), { qos, retain }, (error) => {
      if (!error && qos === 1 && this.#client === client) this.onPuback?.(id);
    });
    return id;
  }

  subscribe(filters: readonly string[]): void {
    const client = this.#client;
    if (!client || !this.#connected) throw new Error("not connected");
    client.subscribe(
      filters.map((f) => f),
      { qos: 1 },
      (error) => {
        if (error) this.#lastError = `subscribe refused: ${error.message}`;
      },
    );
  }

  disconnect(): void {
    this.#end();
  }

  #end(): void {
    const client = this.#client;
    this.#client = undefined;
    this.#connected = false;
    if (client) {
      client.removeAllListeners();
      client.on("error", () => undefined);
      client.end(false);
    }
  }
}
