// How issue 7 builds on the scan cycle: a rule-9 hook that refuses a vote
// (nacked, counted, not committed), a record added by the cycle, and an
// admin route behind the same token check.
import { afterAll, beforeAll, expect, it } from "vitest";
import { decodeEntry, type Vote } from "../../firmware/protocol/index.ts";
import type { CycleLogic } from "../../gateway/scan.ts";
import { TestDevice, testGateway } from "./devices.ts";

let gateway: Awaited<ReturnType<typeof testGateway>>;
const kiosk = new TestDevice("kiosk-ext", -8);
const admitted: number[] = [];

beforeAll(async () => {
  gateway = await testGateway(
    {},
    {
      extend: (parts) => {
        const ballots: CycleLogic = {
          admit: (message) => ((message.payload as Vote).ballot === "agm" ? null : "no-ballot"),
          committed: (accepted) => admitted.push(...accepted.map((a) => a.leaf)),
        };
        return {
          logic: [ballots],
          adminRoutes: [
            async (app) => {
              app.get("/example", async () => ({ example: [], logSize: parts.ledger.size }));
            },
          ],
        };
      },
    },
  );
  await kiosk.enrol(gateway);
  await kiosk.connect(gateway.mqttUrl, gateway.key.publicKey);
});

afterAll(async () => {
  await kiosk.close();
  await gateway.stop();
});

it("a vote the rule-9 hook refuses is nacked with its reason and never committed", async () => {
  const size = gateway.ledger.size;
  await kiosk.publish(kiosk.sign({ t: "vote", ballot: "no-such-ballot", choice: "yes", voter: "v-1", auth: "pin" }));
  expect(await kiosk.answer(kiosk.seq)).toMatchObject({ t: "nack", reason: "no-ballot" });
  expect(gateway.ledger.size).toBe(size);
  expect(gateway.rejects.counts()["no-ballot"]).toBe(1);
});

it("a vote the hook admits is committed, and the hook sees its leaf inside the cycle's transaction", async () => {
  await kiosk.publish(kiosk.vote("yes"));
  const ack = await kiosk.answer(kiosk.seq);
  expect(ack.t).toBe("ack");
  if (ack.t !== "ack") return;
  expect(admitted).toContain(ack.leaf);
  expect(decodeEntry(gateway.ledger.entry(ack.leaf)).k).toBe("msg");
});

it("an extension's admin route sits behind the admin token", async () => {
  expect((await fetch(`${gateway.httpUrl}/admin/example`)).status).toBe(401);
  const response = await fetch(`${gateway.httpUrl}/admin/example`, { headers: { authorization: `Bearer ${gateway.token}` } });
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ example: [] });
});
