// The embedded broker enforces PROTOCOL §5: who connects, who publishes
// where, who subscribes to what.
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ballotTopic, deviceTopic, gatewayStateTopic } from "../../firmware/protocol/index.ts";
import { GATEWAY_USER, publishProblem, subscribeProblem } from "../../gateway/broker/acl.ts";
import { SITE, TestDevice, testGateway } from "./devices.ts";

let gateway: Awaited<ReturnType<typeof testGateway>>;
const alice = new TestDevice("kiosk-alice", -7);
const bob = new TestDevice("kiosk-bob", -8);

beforeAll(async () => {
  gateway = await testGateway();
  await alice.enrol(gateway);
  await bob.enrol(gateway);
});

afterAll(async () => {
  await alice.close();
  await bob.close();
  await gateway.stop();
});

/** Tries to connect; resolves with the CONNACK return code (0 = accepted). */
async function connackCode(options: mqtt.IClientOptions): Promise<number> {
  const client = mqtt.connect(gateway.mqttUrl, { reconnectPeriod: 0, ...options });
  try {
    return await new Promise<number>((resolve) => {
      client.once("connect", () => resolve(0));
      client.once("error", (e) => resolve((e as Error & { code?: number }).code ?? -1));
    });
  } finally {
    client.end(true);
  }
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) return resolve();
    client.once("close", () => resolve());
  });
}

describe("connecting", () => {
  it("a device with its id as client id and user name and the right password is let in", async () => {
    expect(await connackCode({ clientId: alice.id, username: alice.id, password: alice.password })).toBe(0);
  });

  it("a client without credentials is refused (not authorized)", async () => {
    expect(await connackCode({ clientId: alice.id })).toBe(5);
  });

  it("a client id that is not the user name is refused (identifier rejected)", async () => {
    expect(await connackCode({ clientId: "someone-else", username: alice.id, password: alice.password })).toBe(2);
  });

  it("a wrong password is refused (bad user name or password)", async () => {
    expect(await connackCode({ clientId: alice.id, username: alice.id, password: "not-the-password" })).toBe(4);
  });

  it("the gateway's own credential is accepted, a guess is not", async () => {
    expect(await connackCode({ clientId: GATEWAY_USER, username: GATEWAY_USER, password: gateway.config.brokerPassword })).toBe(0);
    expect(await connackCode({ clientId: GATEWAY_USER, username: GATEWAY_USER, password: "guess-guess-guess" })).toBe(4);
  });
});

describe("publishing and subscribing", () => {
  it("a device publishing on another device's topic is cut off, and nothing reaches the gateway", async () => {
    await alice.connect(gateway.mqttUrl, gateway.key.publicKey);
    const size = gateway.ledger.size;
    const counts = gateway.rejects.counts();
    const client = alice.client!;
    const cut = closed(client);
    client.publish(deviceTopic(SITE, bob.id, "vote"), Buffer.from(alice.vote("yes")), { qos: 1 });
    await cut;
    await gateway.scan.nextCycle();
    await gateway.scan.nextCycle();
    expect(gateway.ledger.size).toBe(size);
    expect(gateway.rejects.counts()).toEqual(counts);
    await alice.close();
  });

  it("a device may not publish an ack, nor a retained vote", async () => {
    for (const [topic, retain] of [
      [deviceTopic(SITE, alice.id, "ack"), false],
      [deviceTopic(SITE, alice.id, "vote"), true],
      [gatewayStateTopic(SITE), true],
    ] as const) {
      await alice.connect(gateway.mqttUrl, gateway.key.publicKey);
      const cut = closed(alice.client!);
      alice.client!.publish(topic, Buffer.from("x"), { qos: 1, retain });
      await cut;
      await alice.close();
    }
  });

  it("a denied subscription gets a failure code in the SUBACK; allowed ones are granted", async () => {
    await bob.connect(gateway.mqttUrl, gateway.key.publicKey);
    // mqtt.js rejects a SUBACK that carries a failure code; the packet is on the error.
    const suback = await bob
      .client!.subscribeAsync(
        [deviceTopic(SITE, alice.id, "ack"), `signet/v1/${SITE}/#`, ballotTopic(SITE, "agm"), `signet/v1/${SITE}/_ballots/#`, gatewayStateTopic(SITE)],
        { qos: 1 },
      )
      .then(
        () => undefined,
        (e: Error & { packet?: { granted: number[] } }) => e.packet,
      );
    const granted = (suback?.granted ?? []).map((qos) => ({ qos }));
    expect(granted.map((g) => g.qos)).toEqual([128, 128, 1, 1, 1]);
    await bob.close();
  });

  it("a revoked device is disconnected and cannot come back", async () => {
    const carol = new TestDevice("kiosk-carol", -7);
    await carol.enrol(gateway);
    await carol.connect(gateway.mqttUrl, gateway.key.publicKey);
    const cut = closed(carol.client!);
    const response = await fetch(`${gateway.httpUrl}/admin/devices/${carol.id}/revoke`, { method: "POST", headers: { authorization: `Bearer ${gateway.token}` } });
    expect(response.status).toBe(200);
    await cut;
    expect(await connackCode({ clientId: carol.id, username: carol.id, password: carol.password })).toBe(4);
    await carol.close();
  });
});

describe("the ACL as rules", () => {
  const device = { kind: "device", id: "kiosk-1", site: "hall" } as const;
  const gatewayPrincipal = { kind: "gateway", site: "hall" } as const;

  it("a device publishes only its own vote, reading, status (not retained) and state (retained)", () => {
    for (const channel of ["vote", "reading", "status"] as const) {
      expect(publishProblem(device, deviceTopic("hall", "kiosk-1", channel), false)).toBeNull();
      expect(publishProblem(device, deviceTopic("hall", "kiosk-1", channel), true)).toMatch(/not retained/);
      expect(publishProblem(device, deviceTopic("other", "kiosk-1", channel), false)).toMatch(/own topics/);
    }
    expect(publishProblem(device, deviceTopic("hall", "kiosk-1", "state"), true)).toBeNull();
    expect(publishProblem(device, deviceTopic("hall", "kiosk-1", "ack"), false)).toMatch(/may not publish/);
    expect(publishProblem(device, ballotTopic("hall", "agm"), true)).toMatch(/own topics/);
  });

  it("only the gateway publishes acks, ballots and its state, and never on device uplinks", () => {
    expect(publishProblem(gatewayPrincipal, deviceTopic("hall", "kiosk-1", "ack"), false)).toBeNull();
    expect(publishProblem(gatewayPrincipal, ballotTopic("hall", "agm"), true)).toBeNull();
    expect(publishProblem(gatewayPrincipal, gatewayStateTopic("hall"), true)).toBeNull();
    expect(publishProblem(gatewayPrincipal, deviceTopic("hall", "kiosk-1", "vote"), false)).toMatch(/does not publish/);
  });

  it("a device subscribes to its ack, its site's ballots and the gateway state only", () => {
    expect(subscribeProblem(device, deviceTopic("hall", "kiosk-1", "ack"))).toBeNull();
    expect(subscribeProblem(device, "signet/v1/hall/_ballots/#")).toBeNull();
    expect(subscribeProblem(device, gatewayStateTopic("hall"))).toBeNull();
    expect(subscribeProblem(device, deviceTopic("hall", "kiosk-2", "ack"))).not.toBeNull();
    expect(subscribeProblem(device, "signet/v1/other/_ballots/#")).not.toBeNull();
    expect(subscribeProblem(device, "#")).not.toBeNull();
  });
});
