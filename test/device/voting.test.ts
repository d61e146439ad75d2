import { describe, expect, it } from "vitest";
import { agmBallot, click, keys, nowSeconds, provisionedKiosk, screen, touch, wait, DEV } from "./kiosk";

describe("a voter at the kiosk", () => {
  it("authenticates with voter number and PIN, votes, and sees the receipt code", async () => {
    const k = await provisionedKiosk();
    k.gateway.publishBallot(agmBallot(nowSeconds(k)));
    await wait(k, 1000);
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
    expect(votes[0].payload.ts).toBeGreaterThan(0);
    expect(screen(k)).toMatch(/Vote recorded Receipt: [A-Z2-7]{4}-[A-Z2-7]{4}/);
    expect(k.device.indicators.leds.ok).toBe("on");
  });
});
