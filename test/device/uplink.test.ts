import { describe, expect, it } from "vitest";
import { ALG_EDDSA, deviceTopic, signPayload } from "../../firmware/protocol/index";
import { ROGUE_KEY, GATEWAY_KID, SITE } from "./gateway";
import { agmBallot, click, createKiosk, DEV, keys, nowSeconds, provision, provisionedKiosk, screen, wait, type Kiosk } from "./kiosk";

async function withBallot(k: Kiosk): Promise<void> {
  k.gateway.publishBallot(agmBallot(nowSeconds(k)));
  await wait(k, 1000);
}

describe("the uplink", () => {
  it("connects as the device (client id = user), says online on its retained state, and leaves offline as its will", async () => {
    const seen: { clientId: string; user: string; will: string }[] = [];
    const k = createKiosk();
    k.broker.authenticate = (o) => {
      seen.push({ clientId: o.clientId, user: o.user, will: `${o.will.topic} ${o.will.payload} qos ${o.will.qos}${o.will.retain ? " retained" : ""}` });
      return true;
    };
    await k.clock.runUntil(k.device.boot());
    await provision(k);
    expect(seen).toEqual([{ clientId: DEV, user: DEV, will: `${deviceTopic(SITE, DEV, "state")} offline qos 1 retained` }]);
    expect(new TextDecoder().decode(k.broker.retained.get(deviceTopic(SITE, DEV, "state")))).toBe("online");
    k.broker.drop(DEV);
    expect(new TextDecoder().decode(k.broker.retained.get(deviceTopic(SITE, DEV, "state")))).toBe("offline");
    await wait(k, 5000);
    expect(new TextDecoder().decode(k.broker.retained.get(deviceTopic(SITE, DEV, "state")))).toBe("online"); // back after 1 s
  });

  it("reconnects with a growing back-off while the broker is unreachable", async () => {
    const k = await provisionedKiosk();
    const attempts: number[] = [];
    const client = k.device.current.services.mqtt;
    const connect = client.connect.bind(client);
    client.connect = (options) => {
      attempts.push(k.clock.now());
      connect(options);
    };
    k.broker.up = false;
    await wait(k, 300_000);
    const gaps = attempts.slice(1).map((t, i) => (t - attempts[i]) / 1000);
    expect(gaps.length).toBeGreaterThanOrEqual(7);
    for (let i = 1; i < 6; i++) expect(gaps[i] / gaps[i - 1]).toBeCloseTo(2, 1); // doubling
    expect(gaps[0]).toBeGreaterThanOrEqual(2); // 2 s after the first failure (1 s was spent on the first retry)
    expect(gaps.at(-1)).toBeGreaterThanOrEqual(64); // capped at 64 s, stretched by this device's fixed factor
    expect(gaps.at(-1)).toBeLessThanOrEqual(64 * 1.25 + 0.1);
    k.broker.up = true;
    await wait(k, 70_000);
    expect(k.device.current.services.mqtt.connected).toBe(true);
  });

  it("ignores an ack that is not signed by the provisioned gateway key: the vote stays queued", async () => {
    const k = await provisionedKiosk();
    await withBallot(k);
    k.gateway.answering = false;
    await keys(k, "#12#4321#");
    await click(k, "opt1");
    await click(k, "confirm");
    await wait(k, 500);
    const vote = k.gateway.messages("vote")[0].payload;
    const forged = signPayload(ALG_EDDSA, GATEWAY_KID, { v: 1, t: "ack", ts: nowSeconds(k), dev: DEV, seq: vote.seq, leaf: 0, size: 1, code: "AAAA-AAAA" }, ROGUE_KEY);
    k.broker.publish(deviceTopic(SITE, DEV, "ack"), forged);
    await wait(k, 500);
    expect(screen(k)).not.toContain("AAAA-AAAA");
    expect(k.device.app.kiosk!.outbox.size).toBe(1);
    expect(k.device.console.output.some((l) => l.startsWith("# answer ignored: bad-signature"))).toBe(true);
  });

  it("sends a signed status every 5 minutes while connected, never queued", async () => {
    const k = await provisionedKiosk();
    await wait(k, 10 * 60_000);
    const statuses = k.gateway.messages("status").map((s) => s.payload);
    expect(statuses).toHaveLength(2);
    expect(statuses[0]).toMatchObject({ fw: "signet-fw 0.1.0", outbox: 0 });
    expect(statuses[1].up - statuses[0].up).toBe(300);
    expect(statuses[1].seq).toBeGreaterThan(statuses[0].seq);
    expect(k.device.app.kiosk!.outbox.size).toBe(0);
  });
});

describe("the device clock", () => {
  it("offers every known ballot while never synchronised (the gateway judges), and signs ts 0", async () => {
    const k = await provisionedKiosk({ ntpReachable: false });
    k.gateway.publishBallot({ ...agmBallot(0), opens: 2_000_000_000, closes: 2_000_086_400 }); // opens years from now
    await wait(k, 1000);
    expect(screen(k)).toContain("Item 3: budget");
    await keys(k, "#12#4321#");
    await click(k, "opt2");
    await click(k, "confirm");
    await wait(k, 1000);
    expect(k.gateway.messages("vote")[0].payload.ts).toBe(0);
  });

  it("a clock step backwards or forwards never produces an empty, reversed or over-long reading interval", async () => {
    const { constantLoad } = await import("../../simulator/hardware/load-profile");
    const k = await provisionedKiosk({ meters: [{ ch: 0, imp: 1000, profile: constantLoad(3600) }] });
    await wait(k, 3 * 60_000);
    k.device.current.wallClock.jump(-600);
    await wait(k, 3 * 60_000);
    k.device.current.wallClock.jump(3 * 86400);
    await wait(k, 3 * 60_000);
    const list = k.gateway.messages("reading").map((r) => r.payload);
    expect(list.length).toBeGreaterThanOrEqual(6);
    for (const r of list) {
      expect(r.from).toBeLessThan(r.to);
      expect(r.to - r.from).toBeLessThanOrEqual(86400);
    }
    for (let i = 1; i < list.length; i++) expect(list[i].count).toBe(list[i - 1].count + list[i].d); // no pulse lost to the jumps
    expect(k.gateway.rejected).toEqual([]);
  });
});
