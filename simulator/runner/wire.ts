// The stand-in gateway's connection to a real broker (mqtt.js): it sees every
// device publish of its site and publishes acks, ballots and its state. Like
// a gateway it keeps trying when the broker is not there (every second), and
// subscribes again on each connection.
import mqtt, { type MqttClient } from "mqtt";
import { gatewayStateTopic } from "../../firmware/protocol/index";
import type { GatewayWire } from "../scenario/gateway";

export class MqttGatewayWire implements GatewayWire {
  readonly #client: MqttClient;
  onPublish?(message: { readonly topic: string; readonly payload: Uint8Array }): void;

  private constructor(client: MqttClient, site: string) {
    this.#client = client;
    client.on("message", (topic, payload) => this.onPublish?.({ topic, payload: new Uint8Array(payload) }));
    client.on("connect", () => {
      client.subscribe([`signet/v1/${site}/+/vote`, `signet/v1/${site}/+/reading`, `signet/v1/${site}/+/status`], { qos: 1 });
    });
  }

  /** Connects (waiting at most `waitMs` for the first connection; `onProblem` hears why not). */
  static async connect(url: string, site: string, onProblem?: (text: string) => void, waitMs = 5000): Promise<MqttGatewayWire> {
    const client = mqtt.connect(url, {
      clientId: `signet-sim-gateway-${site}`,
      username: "_signet-sim-gateway",
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      will: { topic: gatewayStateTopic(site), payload: Buffer.from("offline"), qos: 1, retain: true },
    });
    const wire = new MqttGatewayWire(client, site);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, waitMs);
      client.once("connect", done);
      client.once("error", (e) => {
        onProblem?.(`the simulator's gateway cannot reach the broker at ${url} (${e.message}); it keeps trying every second`);
        done();
      });
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
    return wire;
  }

  publish(topic: string, payload: Uint8Array, retain: boolean): void {
    this.#client.publish(topic, Buffer.from(payload), { qos: 1, retain });
  }

  async close(): Promise<void> {
    await this.#client.endAsync(true);
  }
}
