// The stand-in gateway's connection to a real broker (mqtt.js): it sees every
// device publish of its site and publishes acks, ballots and its state.
import mqtt, { type MqttClient } from "mqtt";
import { gatewayStateTopic } from "../../firmware/protocol/index";
import type { GatewayWire } from "../scenario/gateway";

export class MqttGatewayWire implements GatewayWire {
  readonly #client: MqttClient;
  onPublish?(message: { readonly topic: string; readonly payload: Uint8Array }): void;

  private constructor(client: MqttClient) {
    this.#client = client;
    client.on("message", (topic, payload) => this.onPublish?.({ topic, payload: new Uint8Array(payload) }));
  }

  static async connect(url: string, site: string): Promise<MqttGatewayWire> {
    const client = mqtt.connect(url, {
      clientId: `signet-sim-gateway-${site}`,
      username: "_signet-sim-gateway",
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      will: { topic: gatewayStateTopic(site), payload: Buffer.from("offline"), qos: 1, retain: true },
    });
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", (e) => reject(new Error(`the simulator's gateway cannot reach the broker at ${url}: ${e.message}`)));
    });
    await client.subscribeAsync([`signet/v1/${site}/+/vote`, `signet/v1/${site}/+/reading`, `signet/v1/${site}/+/status`], { qos: 1 });
    return new MqttGatewayWire(client);
  }

  publish(topic: string, payload: Uint8Array, retain: boolean): void {
    this.#client.publish(topic, Buffer.from(payload), { qos: 1, retain });
  }

  async close(): Promise<void> {
    await this.#client.endAsync();
  }
}
