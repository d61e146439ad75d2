// Worker thread for bench/gateway.bench.ts: many MQTT publishers that behave
// like devices flushing their outboxes. Each keeps at most `window` messages
// in flight (until the gateway's signed ack, or the broker's PUBACK when
// there is no gateway), and the time from publish to ack is its latency.
import { parentPort, workerData } from "node:worker_threads";
import mqtt, { type MqttClient } from "mqtt";
import { decodeSign1, deviceTopic } from "../firmware/protocol/index.ts";

export interface PublisherDevice {
  readonly id: string;
  readonly password: string;
  readonly site: string;
  /** Signed messages in seq order, with their seq. */
  readonly messages: readonly { readonly seq: number; readonly bytes: Uint8Array }[];
}

export interface PublishersInput {
  readonly url: string;
  readonly devices: readonly PublisherDevice[];
  readonly window: number;
  /** "ack": a message completes with the gateway's signed ack; "puback": with the broker's PUBACK. */
  readonly completion: "ack" | "puback";
}

export interface PublishersResult {
  readonly messages: number;
  readonly seconds: number;
  /** Publish → completion, milliseconds, sorted. */
  readonly latencies: number[];
}

const input = workerData as PublishersInput;

/** The `seq` of an ack or nack: read from its payload map without verifying (the test suites do that). */
function answeredSeq(bytes: Uint8Array): number {
  const payload = decodeSign1(bytes).payload as Map<string, unknown>;
  return Number(payload.get("seq"));
}

async function main(): Promise<void> {
  const clients: MqttClient[] = [];
  for (const d of input.devices) {
    const client = await mqtt.connectAsync(input.url, { clientId: d.id, username: d.id, password: d.password, reconnectPeriod: 0, clean: true });
    if (input.completion === "ack") await client.subscribeAsync(deviceTopic(d.site, d.id, "ack"), { qos: 1 });
    clients.push(client);
  }
  parentPort!.postMessage({ ready: true });
  await new Promise<void>((resolve) => parentPort!.once("message", () => resolve()));

  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    input.devices.map(
      (d, i) =>
        new Promise<void>((resolve) => {
          const client = clients[i];
          const sentAt = new Map<number, number>();
          let next = 0;
          let done = 0;
          const topic = deviceTopic(d.site, d.id, "reading");
          const complete = (seq: number) => {
            const at = sentAt.get(seq);
            if (at === undefined) return;
            sentAt.delete(seq);
            latencies.push(performance.now() - at);
            done++;
            if (done === d.messages.length) resolve();
            else pump();
          };
          const pump = () => {
            while (next < d.messages.length && sentAt.size < input.window) {
              const m = d.messages[next++];
              sentAt.set(m.seq, performance.now());
              client.publish(topic, Buffer.from(m.bytes), { qos: 1 }, input.completion === "puback" ? () => complete(m.seq) : undefined);
            }
          };
          if (input.completion === "ack") client.on("message", (_topic, payload) => complete(answeredSeq(payload)));
          pump();
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.endAsync()));
  latencies.sort((a, b) => a - b);
  const result: PublishersResult = { messages: latencies.length, seconds, latencies };
  parentPort!.postMessage({ result });
}

await main();
