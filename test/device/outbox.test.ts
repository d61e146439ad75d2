import { describe, expect, it } from "vitest";
import { agmBallot, click, keys, nowSeconds, provisionedKiosk, screen, wait, type Kiosk } from "./kiosk";

async function withBallot(k: Kiosk): Promise<void> {
  k.gateway.publishBallot(agmBallot(nowSeconds(k)));
  await wait(k, 1000);
}

async function vote(k: Kiosk, number: string, pin: string, option: string): Promise<void> {
  await keys(k, `#${number}#${pin}#`);
  await click(k, option);
  await click(k, "confirm");
  await wait(k, 1000);
}

/** Every seq the gateway saw stands for one message only. */
function expectNoSeqReused(k: Kiosk): void {
  const bySeq = new Map<number, string>();
  for (const r of k.gateway.received) {
    const hex = Buffer.from(r.bytes).toString("hex");
    const earlier = bySeq.get(r.payload.seq);
    if (earlier !== undefined) expect(hex, `seq ${r.payload.seq} carried two different messages`).toBe(earlier);
    bySeq.set(r.payload.seq, hex);
  }
}

describe("the outbox", () => {
  it("keeps a vote cast while the network is down across a reboot and delivers it once after reconnecting", async () => {
    const k = await provisionedKiosk();
    await withBallot(k);
    k.broker.up = false;
    await wait(k, 1000);
    expect(screen(k)).toContain("No network");

    await vote(k, "12", "4321", "opt1");
    expect(screen(k)).toBe("Vote stored. It will be sent when the link is back.");
    expect(k.device.app.kiosk!.outbox.size).toBe(1);

    // Reboot while offline: the vote is in flash, and the kiosk still knows the ballot.
    await k.clock.runUntil(k.device.reboot());
    expect(k.device.app.mode).toBe("running");
    expect(k.device.app.kiosk!.outbox.size).toBe(1);
    await wait(k, 3000);
    expect(screen(k)).toContain("Item 3: budget");
    expect(screen(k)).toContain("No network: 1 queued");
    await vote(k, "7", "2468", "opt2");
    expect(k.device.app.kiosk!.outbox.size).toBe(2);
    expect(k.gateway.received).toHaveLength(0);

    k.broker.up = true;
    await wait(k, 70_000); // the back-off reaches the broker within 64 s
    const votes = k.gateway.messages("vote");
    expect(votes.map((v) => [v.payload.voter, v.payload.choice])).toEqual([
      ["shareholder-12", "yes"],
      ["shareholder-7", "no"],
    ]);
    expect(votes[0].payload.seq).toBeLessThan(votes[1].payload.seq); // in order
    expect(k.device.app.kiosk!.outbox.size).toBe(0);

    await wait(k, 600_000); // answered messages are never sent again
    expect(k.gateway.messages("vote")).toHaveLength(2);
    expectNoSeqReused(k);
  });

  it("holds messages while the gateway says it is offline, and flushes when it is back", async () => {
    const k = await provisionedKiosk();
    await withBallot(k);
    k.gateway.setOnline(false);
    await wait(k, 100);
    expect(screen(k)).toContain("Gateway offline");
    await vote(k, "12", "4321", "opt3");
    expect(screen(k)).toBe("Vote stored. It will be sent when the link is back.");
    await wait(k, 120_000);
    expect(k.gateway.messages("vote")).toHaveLength(0);
    k.gateway.setOnline(true);
    await wait(k, 1000);
    expect(k.gateway.messages("vote")).toHaveLength(1);
    expect(k.device.app.kiosk!.outbox.size).toBe(0);
  });

  it("publishes a message again when the gateway has not answered it within a minute", async () => {
    const k = await provisionedKiosk();
    await withBallot(k);
    k.gateway.answering = false;
    await vote(k, "12", "4321", "opt1");
    expect(k.gateway.messages("vote")).toHaveLength(1);
    await wait(k, 30_000);
    expect(screen(k)).toBe("Vote stored. The gateway has not answered yet.");
    k.gateway.answering = true;
    await wait(k, 61_000);
    const votes = k.gateway.messages("vote");
    expect(votes).toHaveLength(2);
    expect(votes[1].bytes).toEqual(votes[0].bytes); // the same signed message: the gateway de-duplicates it
    expect(k.gateway.committed).toBe(1);
    expect(k.device.app.kiosk!.outbox.size).toBe(0);
  });

  it("never loses a confirmed vote nor reuses a seq when the power is cut at any storage write of a vote", async () => {
    // Count the writes of one vote (a wrong PIN first, so the lockout record is written and cleared too).
    const writesOfVote = async (cut?: { atWrite: number; lands: boolean }) => {
      const k = await provisionedKiosk();
      await withBallot(k);
      const storage = k.device.current.storage;
      const before = storage.attempts;
      if (cut) storage.armPowerCut(cut);
      const shownFrom = k.device.display.history.length;
      await keys(k, "#12#1111#");
      await keys(k, "4321#");
      await click(k, "opt1");
      await click(k, "confirm");
      await wait(k, 2000);
      return { k, writes: storage.attempts - before, shownFrom };
    };
    const { writes } = await writesOfVote();
    expect(writes).toBeGreaterThanOrEqual(5); // lockout set + clear, seq block, outbox put, outbox delete

    for (let atWrite = 1; atWrite <= writes; atWrite++) {
      for (const lands of [false, true]) {
        const { k, shownFrom } = await writesOfVote({ atWrite, lands });
        const where = `power cut at write ${atWrite} (${lands ? "landed" : "lost"})`;
        expect(k.device.on, where).toBe(false);
        const confirmed = ["Vote sent", "Vote stored", "Vote recorded"].some((t) => k.device.display.shown(t, shownFrom));
        await wait(k, 5000);
        await k.clock.runUntil(k.device.boot());
        await wait(k, 70_000);
        const first = k.gateway.messages("vote");
        if (confirmed) expect(first.length, `${where}: a confirmed vote was lost`).toBeGreaterThanOrEqual(1);
        expect(k.gateway.committed, where).toBeLessThanOrEqual(1); // delivered once, however often re-sent
        expect(k.device.app.kiosk!.outbox.size, where).toBe(0);

        // The next vote after the reboot gets a seq above every one used before the cut.
        const highest = Math.max(0, ...k.gateway.received.map((r) => r.payload.seq));
        await vote(k, "7", "2468", "opt2");
        await wait(k, 2000);
        const last = k.gateway.messages("vote").at(-1)!;
        expect(last.payload.voter, where).toBe("shareholder-7");
        expect(last.payload.seq, where).toBeGreaterThan(highest);
        expectNoSeqReused(k);
      }
    }
  });
});

describe("the outbox when full", () => {
  it("refuses a new vote with a clear message once every place holds a vote, and loses none", async () => {
    const k = await provisionedKiosk();
    await withBallot(k);
    k.gateway.setOnline(false);
    await wait(k, 100);
    const outbox = k.device.app.kiosk!.outbox;
    for (let i = 0; i < outbox.capacity; i++) {
      await vote(k, "7", "2468", i % 2 ? "opt1" : "opt2");
      expect(screen(k)).toBe("Vote stored. It will be sent when the link is back.");
      await keys(k, "#"); // the next voter need not wait for a receipt that cannot come yet
    }
    expect(outbox.votes).toBe(outbox.capacity);
    await wait(k, 30_000);
    await keys(k, "#");
    expect(screen(k)).toBe("Vote box full: votes are waiting for the gateway. Please try later.");
    k.gateway.setOnline(true);
    await wait(k, 10_000);
    expect(k.gateway.messages("vote")).toHaveLength(outbox.capacity);
    expect(outbox.size).toBe(0);
    await keys(k, "#7#2468#");
    expect(screen(k)).toContain("1 Yes  2 No"); // room again
  });

  it("coalesces readings while the gateway is away: at most 32 queued, then one longer interval with the exact count", async () => {
    const { constantLoad } = await import("../../simulator/hardware/load-profile");
    const k = await provisionedKiosk({ meters: [{ ch: 0, imp: 1000, profile: constantLoad(3600) }] });
    k.gateway.setOnline(false);
    await wait(k, 60 * 60_000);
    const outbox = k.device.app.kiosk!.outbox;
    expect(outbox.size).toBe(outbox.readingLimit);
    k.gateway.setOnline(true);
    await wait(k, 2 * 60_000);
    const list = k.gateway.messages("reading").map((r) => r.payload);
    for (let i = 1; i < list.length; i++) expect(list[i].count).toBe(list[i - 1].count + list[i].d);
    const long = list.filter((r) => r.to - r.from > 60);
    expect(long).toHaveLength(1); // the interval held open while the outbox was full
    expect(long[0].to - long[0].from).toBeGreaterThan(25 * 60);
    expect(outbox.size).toBe(0);
  });
});
