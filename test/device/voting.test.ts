import { describe, expect, it } from "vitest";
import { ROGUE_KEY } from "./gateway";
import { agmBallot, click, keys, nowSeconds, provisionedKiosk, screen, touch, wait, DEV, type Kiosk } from "./kiosk";

async function withBallot(k: Kiosk): Promise<void> {
  k.gateway.publishBallot(agmBallot(nowSeconds(k)));
  await wait(k, 1000);
}

describe("a voter at the kiosk", () => {
  it("authenticates with voter number and PIN, votes, and sees the receipt code", async () => {
    const k = await provisionedKiosk();
    await withBallot(k);
    expect(screen(k)).toContain("Item 3: budget");
    expect(screen(k)).toContain("Press # to vote");

    await keys(k, "#12#");
    expect(screen(k)).toContain("PIN, then #");
    await keys(k, "4321");
    expect(screen(k)).toContain("****");
    expect(screen(k)).not.toContain("4321");
    await keys(k, "#");
    expect(screen(k)).toContain("1 Yes  2 No");
    await click(k, "opt1");
    expect(screen(k)).toContain("You chose: Yes");
    await click(k, "confirm");
    await wait(k, 2000);

    const votes = k.gateway.messages("vote");
    expect(votes).toHaveLength(1);
    expect(votes[0].payload).toMatchObject({ dev: DEV, ballot: "agm-2026.item-3", choice: "yes", voter: "shareholder-12", auth: "pin" });
    expect(votes[0].payload.ts).toBeGreaterThan(nowSeconds(k) - 4); // signed on the synchronised device clock, at CONFIRM
    expect(votes[0].payload.ts).toBeLessThanOrEqual(nowSeconds(k) - 2);
    expect(screen(k)).toMatch(/^Vote recorded Receipt: [A-Z2-7]{4}-[A-Z2-7]{4}$/);
    expect(k.device.indicators.leds.ok).toBe("on");
    expect(k.device.app.kiosk!.outbox.size).toBe(0); // answered, so it left the flash

    await wait(k, 30_000); // the receipt stays for the configured 30 s, then the kiosk is ready again
    expect(screen(k)).toContain("Press # to vote");
  });

  it("authenticates with a fingerprint and votes with the vote buttons", async () => {
    const k = await provisionedKiosk({ auth: "fp" });
    await withBallot(k);
    await keys(k, "#");
    expect(screen(k)).toContain("Place your finger");
    await touch(k, "alice-right-index");
    expect(screen(k)).toContain("1 Yes  2 No");
    await click(k, "opt2");
    await click(k, "confirm");
    await wait(k, 2000);
    expect(k.gateway.messages("vote").map((v) => v.payload)).toMatchObject([{ choice: "no", voter: "shareholder-12", auth: "fp" }]);
    expect(screen(k)).toContain("Vote recorded");
  });

  it("who cancels while the sensor waits does not keep the next voter waiting", async () => {
    const k = await provisionedKiosk({ auth: "fp" });
    await withBallot(k);
    await keys(k, "#");
    await wait(k, 5000); // nobody touches the sensor
    expect(screen(k)).toContain("Place your finger");
    await click(k, "cancel");
    await wait(k, 2000);
    await keys(k, "#");
    await touch(k, "alice-right-index", 3000);
    expect(screen(k)).toContain("1 Yes  2 No");
  });

  it("with fingerprint and PIN both required, signs auth pin+fp; an unknown finger gets nowhere", async () => {
    const k = await provisionedKiosk({ auth: "pin+fp" });
    await withBallot(k);
    await keys(k, "#");
    await touch(k, "mallory-thumb");
    expect(screen(k)).toBe("Finger not recognised.");
    await wait(k, 5000);
    await keys(k, "#");
    await touch(k, "alice-right-index");
    expect(screen(k)).toContain("Voter 12 PIN, then #");
    await keys(k, "4321#");
    await click(k, "opt3");
    await click(k, "confirm");
    await wait(k, 2000);
    expect(k.gateway.messages("vote").map((v) => v.payload)).toMatchObject([{ choice: "abstain", auth: "pin+fp" }]);
  });

  it("who enters a wrong PIN three times is locked out for 30 s and told so, then for longer", async () => {
    const k = await provisionedKiosk();
    await withBallot(k);
    await keys(k, "#12#1111#");
    expect(screen(k)).toContain("Wrong PIN: 2 left");
    await keys(k, "2222#");
    expect(screen(k)).toContain("Wrong PIN: 1 left");
    await keys(k, "3333#");
    expect(screen(k)).toBe("Wrong PIN. Voter 12 is locked for 30 s.");
    expect(k.device.indicators.leds.error).toBe("on");

    await wait(k, 8000);
    await keys(k, "#12#");
    expect(screen(k)).toMatch(/^Voter 12 is locked\. Try again in 2[0-9] s\.$/);
    // the right PIN does not help while locked, and nothing is signed
    await wait(k, 8000);
    expect(k.gateway.messages("vote")).toHaveLength(0);

    await wait(k, 20_000); // the lockout is over: one more wrong PIN locks for twice as long
    await keys(k, "#12#9999#");
    expect(screen(k)).toBe("Wrong PIN. Voter 12 is locked for 60 s.");
    await wait(k, 61_000);
    await keys(k, "#12#4321#");
    expect(screen(k)).toContain("1 Yes  2 No");
  });

  it("who walks away mid-session is timed out back to idle, and CANCEL stops a session before signing", async () => {
    const k = await provisionedKiosk();
    await withBallot(k);
    await keys(k, "#12#4321#");
    await click(k, "opt1");
    expect(screen(k)).toContain("You chose: Yes");
    await wait(k, 30_000);
    expect(screen(k)).toBe("Timed out.");
    await wait(k, 5000);
    expect(screen(k)).toContain("Press # to vote");

    await keys(k, "#12#43");
    await click(k, "cancel");
    expect(screen(k)).toBe("Cancelled.");
    await keys(k, "#12#4321#");
    await click(k, "opt2");
    await click(k, "cancel");
    await wait(k, 3000);
    expect(screen(k)).toContain("Press # to vote");
    expect(k.gateway.messages("vote")).toHaveLength(0);
  });

  it("is told in plain words when the gateway refuses the vote", async () => {
    const k = await provisionedKiosk();
    await withBallot(k);
    k.gateway.nacks.set(-1, "already-voted");
    await keys(k, "#7#2468#");
    await click(k, "opt1");
    await click(k, "confirm");
    await wait(k, 2000);
    expect(screen(k)).toBe("Vote refused. You have already voted in this ballot.");
    expect(k.device.indicators.leds.error).toBe("on");
    expect(k.device.app.kiosk!.outbox.size).toBe(0);
  });
});

describe("ballots", () => {
  it("a ballot signed by a key the kiosk does not trust is ignored; a higher revision replaces a lower one", async () => {
    const k = await provisionedKiosk();
    const now = nowSeconds(k);
    k.gateway.publishBallot({ ...agmBallot(now), id: "forged", title: "Forged ballot" }, ROGUE_KEY);
    await wait(k, 1000);
    expect(screen(k)).toContain("No ballot is open.");
    expect(k.device.console.output.some((l) => l.startsWith("# ballot forged ignored: bad-signature"))).toBe(true);

    k.gateway.publishBallot({ ...agmBallot(now, 2), title: "Item 3: budget 2027" });
    await wait(k, 1000);
    k.gateway.publishBallot({ ...agmBallot(now, 1), title: "Item 3: stale" });
    await wait(k, 1000);
    expect(screen(k)).toContain("Item 3: budget 2027");
    await keys(k, "#12#4321#");
    expect(screen(k)).toContain("Item 3: budget 2027");
  });

  it("a ballot not yet open or already closed by the device clock is not offered", async () => {
    const k = await provisionedKiosk();
    const now = nowSeconds(k);
    k.gateway.publishBallot({ ...agmBallot(now), opens: now + 3600, closes: now + 7200 });
    await wait(k, 1000);
    expect(screen(k)).toContain("No ballot is open.");
    await keys(k, "#");
    expect(screen(k)).toBe("No ballot is open.");
    await wait(k, 3600_000 + 15_000); // the idle screen is looked at again every 15 s
    expect(screen(k)).toContain("Press # to vote");
    await wait(k, 3600_000);
    expect(screen(k)).toContain("No ballot is open.");
  });
});
