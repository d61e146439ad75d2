// The Node MQTT service (mqtt.js) against a real broker: aedes embedded in
// the test, on 127.0.0.1 at a free port.
import { createServer, type AddressInfo, type Server } from "node:net";
import { Aedes } from "aedes";
import mqtt from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MqttConnectOptions } from "../../firmware/hal/mqtt";
import { NodeMqttService } from "../../simulator/services/mqtt-node";

let aedes: Aedes;
let server: Server;
let port: number;

beforeEach(async () => {
  aedes = await Aedes.createBroker();
  server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  await new Promise<void>((resolve) => aedes.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const STATE = "signet/v1/town-hall/kiosk-07/state";

function options(): MqttConnectOptions {
  return {
    host: "127.0.0.1",
    port,
    clientId: "kiosk-07",
    user: "kiosk-07",
    password: "pw",
    keepAliveSeconds: 60,
    will: { topic: STATE, payload: "offline", retain: true, qos: 1 },
  };
}

function until<T>(register: (done: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}

/** A second client watching the broker, as the gateway would. */
async function observer(filter: string): Promise<{ messages: { topic: string; payload: string; retain: boolean }[]; end(): Promise<void> }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: "observer", reconnectPeriod: 0 });
  const messages: { topic: string; payload: string; retain: boolean }[] = [];
  client.on("message", (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { messages, end: () => client.endAsync() };
}

async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe("the Node MQTT service (mqtt.js) on a real broker", () => {
  it("connects with the device id as client id and user, publishes QoS 1 and reports the PUBACK", async () => {
    const watch = await observer("signet/v1/#");
    const service = new NodeMqttService();
    const seen: { id?: string; user?: string } = {};
    aedes.authenticate = (client, user, _password, done) => {
      seen.id = client.id;
      seen.user = user;
      done(null, true);
    };
    service.connect(options());
    await until<void>((done) => (service.onConnect = done));
    expect(service.connected).toBe(true);
    expect(seen).toEqual({ id: "kiosk-07", user: "kiosk-07" });

    const pubacks: number[] = [];
    service.onPuback = (id) => pubacks.push(id);
    const id = service.publish("signet/v1/town-hall/kiosk-07/vote", new Uint8Array([0xd2, 0x84]), 1, false);
    expect(id).toBeGreaterThan(0);
    await eventually(() => pubacks.includes(id));
    await eventually(() => watch.messages.some((m) => m.topic.endsWith("/vote")));
    service.disconnect();
    await watch.end();
  });

  it("receives retained messages on subscribe, marked retained", async () => {
    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: "gateway", reconnectPeriod: 0 });
    await publisher.publishAsync("signet/v1/town-hall/_gateway/state", "online", { qos: 1, retain: true });
    const service = new NodeMqttService();
    service.connect(options());
    await until<void>((done) => (service.onConnect = done));
    const received = until<[string, string, boolean]>((done) => (service.onMessage = (topic, payload, retained) => done([topic, Buffer.from(payload).toString(), retained])));
    service.subscribe(["signet/v1/town-hall/_gateway/state"]);
    expect(await received).toEqual(["signet/v1/town-hall/_gateway/state", "online", true]);
    service.disconnect();
    await publisher.endAsync();
  });

  it("leaves its retained will when the connection dies, reports the close, and connects again", async () => {
    const watch = await observer(STATE);
    const service = new NodeMqttService();
    service.connect(options());
    await until<void>((done) => (service.onConnect = done));
    service.publish(STATE, new TextEncoder().encode("online"), 1, true);
    await eventually(() => watch.messages.some((m) => m.payload === "online"));

    const closed = until<string>((done) => (service.onClose = done));
    // The network drops the device: the broker closes its socket without a DISCONNECT.
    const client = (aedes as unknown as { clients: Record<string, { close(): void }> }).clients["kiosk-07"];
    client.close();
    expect(typeof (await closed)).toBe("string");
    expect(service.connected).toBe(false);
    await eventually(() => watch.messages.some((m) => m.payload === "offline"));

    service.connect(options());
    await until<void>((done) => (service.onConnect = done));
    expect(service.connected).toBe(true);
    expect(() => service.publish(STATE, new TextEncoder().encode("online"), 1, true)).not.toThrow();
    service.disconnect();
    await watch.end();
  });

  it("reports a refused or unreachable broker as a close, and a clean disconnect leaves no will", async () => {
    const watch = await observer(STATE);
    aedes.authenticate = (_client, _user, _password, done) => done(null, false);
    const service = new NodeMqttService();
    service.connect(options());
    const reason = await until<string>((done) => (service.onClose = done));
    expect(reason).toMatch(/not authori[sz]ed|refused|Bad username|close/i);

    aedes.authenticate = (_client, _user, _password, done) => done(null, true);
    service.connect(options());
    await until<void>((done) => (service.onConnect = done));
    service.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    expect(watch.messages.filter((m) => m.payload === "offline")).toHaveLength(0);
    await watch.end();

    const nowhere = new NodeMqttService({ connectTimeoutMs: 2000 });
    nowhere.connect({ ...options(), port: 1 });
    expect(await until<string>((done) => (nowhere.onClose = done))).toMatch(/ECONNREFUSED|close/);
  });
});
