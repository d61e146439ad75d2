// The device panel in a real browser (Debian's chromium, headless): a person
// clicks through a whole vote on the simulated kiosk and sees the receipt;
// the signed vote is among the messages the kiosk published.
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPanel, type PanelServer } from "../../simulator/panel/server";

const CHROMIUM = "/usr/bin/chromium";

describe.runIf(existsSync(CHROMIUM))("the device panel in Chromium", () => {
  let panel: PanelServer;
  let browser: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    panel = await startPanel({ port: 0, seed: "panel-test" });
    profile = mkdtempSync(join(tmpdir(), "signet-chromium-"));
    // A fresh profile directory per run (launchPersistentContext passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await panel?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it("a voter clicks number, PIN, an option and CONFIRM, and the kiosk shows the receipt of the vote it published", async () => {
    const page = await browser.newPage();
    await page.goto(panel.url);
    const display = page.getByTestId("display");
    await expect.poll(() => display.innerText(), { timeout: 30_000 }).toContain("Press # to vote");
    await expect.poll(() => page.locator("#led-ready").getAttribute("data-mode")).toBe("on");

    for (const key of "#12#4321#") await page.click(`[data-key="${key}"]`);
    await expect.poll(() => display.innerText(), { timeout: 30_000 }).toContain("1 Yes");
    await page.click("#opt2");
    await expect.poll(() => display.innerText(), { timeout: 30_000 }).toContain("You chose:");
    await expect.poll(() => display.innerText()).toContain("No");
    await page.click("#confirm");
    await expect.poll(() => display.innerText(), { timeout: 30_000 }).toMatch(/Receipt:\s+[A-Z2-7]{4}-[A-Z2-7]{4}/);
    const code = /Receipt:\s+([A-Z2-7]{4}-[A-Z2-7]{4})/.exec(await display.innerText())![1];
    await expect.poll(() => page.locator("#led-ok").getAttribute("data-mode")).toBe("on");

    // The page lists the vote going out and the ack coming back.
    await expect.poll(() => page.locator("#messages").innerText()).toContain("vote #");
    expect(await page.locator("#messages").innerText()).toContain(`receipt ${code}`);

    // And the kiosk really published it: signed, for the ballot, with the voter's choice.
    const votes = panel.kiosk.messages.filter((m) => m.direction === "out" && m.payload?.t === "vote");
    expect(votes).toHaveLength(1);
    expect(votes[0].payload).toMatchObject({ t: "vote", dev: "kiosk-panel", ballot: "agm-2026.item-3", choice: "no", voter: "shareholder-12", auth: "pin" });
    expect(votes[0].topic).toBe("signet/v1/town-hall/kiosk-panel/vote");
    expect(panel.kiosk.gateway.log.map((c) => c.code)).toContain(code);
  });

  it("the load slider changes the meter's power", async () => {
    const page = await browser.newPage();
    await page.goto(panel.url);
    await expect.poll(() => page.locator("#watts").innerText(), { timeout: 30_000 }).toBe("1200");
    await page.locator("#load").fill("3000");
    await page.locator("#load").dispatchEvent("change");
    await expect.poll(() => page.locator("#watts").innerText(), { timeout: 30_000 }).toBe("3000");
    expect(panel.kiosk.state().watts).toBe(3000);
  });

  it("on a fingerprint kiosk the voter picks a finger, puts it on the sensor, and votes", async () => {
    const fp = await startPanel({ port: 0, seed: "panel-fp", auth: "fp" });
    try {
      const page = await browser.newPage();
      await page.goto(fp.url);
      const display = page.getByTestId("display");
      await expect.poll(() => display.innerText(), { timeout: 30_000 }).toContain("Press # to vote");
      await page.click('[data-key="#"]');
      await expect.poll(() => display.innerText(), { timeout: 30_000 }).toContain("Place your finger");
      await page.selectOption("#finger-select", "bob-left-thumb");
      await page.click("#place-finger");
      await expect.poll(() => display.innerText(), { timeout: 30_000 }).toContain("1 Yes");
      await page.click("#opt3");
      await page.click("#confirm");
      await expect.poll(() => display.innerText(), { timeout: 30_000 }).toMatch(/Receipt:\s+[A-Z2-7]{4}-[A-Z2-7]{4}/);
      const votes = fp.kiosk.messages.filter((m) => m.direction === "out" && m.payload?.t === "vote");
      expect(votes.map((v) => v.payload)).toMatchObject([{ voter: "shareholder-7", choice: "abstain", auth: "fp" }]);
    } finally {
      await fp.close();
    }
  });
});
