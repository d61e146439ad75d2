// The dashboard in a real browser (Debian's chromium, headless) against a
// real gateway fed by simulated devices: shareholders vote on kiosks while
// the page shows turnout live; the chair closes the ballot and the page shows
// the result with its rule; meters feed the energy charts; a forged message
// shows up among the rejects; a voter types the receipt code the kiosk showed
// and this browser verifies it, and says NOT verified when the answer is
// tampered with or the auditor pinned another key.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALG_EDDSA, deviceTopic, publicKeyOf, signPayload, toHex, type Ballot, type Reading } from "../../firmware/protocol/index.ts";
import { loadConfig } from "../../gateway/config.ts";
import { CONTENT_SECURITY_POLICY } from "../../gateway/dashboard/dashboard.ts";
import { startGateway, type Gateway } from "../../gateway/gateway.ts";
import { gatewayKeyFromSeed } from "../../gateway/key.ts";
import { runFleet } from "../../simulator/fleet/fleet.ts";
import { runScenario } from "../../simulator/runner/run.ts";
import { standInKeys } from "../../simulator/scenario/gateway.ts";
import { parseScenario } from "../../simulator/scenario/parse.ts";
import { hasChromium, launchChromium, type Chromium } from "./chromium.ts";

const SEED = "dashboard";
const SITE = "town-hall";
// The simulator provisions its kiosks with this administrator key: ballots signed by it are shown on them.
const admin = standInKeys(SEED, SITE);
const BALLOT_ID = "agm-2026.item-4";
const TITLE = "Item 4: solar roof for the town hall";
// Shares: 100 in all; shareholder 50 does not vote.
const ROLL = "voter,weight\nshareholder-12,40\nshareholder-31,25\nshareholder-44,15\nshareholder-50,10\nshareholder-7,10\n";

const VOTING = `
name: four shareholders vote on two kiosks
seed: ${SEED}
site: ${SITE}
devices:
  - id: kiosk-01
    auth: pin
    voters:
      - { number: 12, id: shareholder-12, pin: "4321" }
      - { number: 7, id: shareholder-7, pin: "2468" }
  - id: kiosk-02
    auth: pin
    voters:
      - { number: 31, id: shareholder-31, pin: "1357" }
      - { number: 44, id: shareholder-44, pin: "8642" }
steps:
  - wait: 2s
  - { device: kiosk-01, keys: "#12#4321#" }
  - { device: kiosk-01, expect: { display: "1 Yes" } }
  - { device: kiosk-01, press: opt1 }
  - { device: kiosk-01, press: confirm }
  - { device: kiosk-02, keys: "#31#1357#" }
  - { device: kiosk-02, press: opt2 }
  - { device: kiosk-02, press: confirm }
  - wait: 3s
  - { device: kiosk-01, expect: { receipt: true, acked: { type: vote, count: 1 } } }
  - { device: kiosk-02, expect: { receipt: true, acked: { type: vote, count: 1 } } }
  - wait: 31s
  - { device: kiosk-01, keys: "#7#2468#" }
  - { device: kiosk-01, press: opt3 }
  - { device: kiosk-01, press: confirm }
  - { device: kiosk-02, keys: "#44#8642#" }
  - { device: kiosk-02, press: opt1 }
  - { device: kiosk-02, press: confirm }
  - wait: 3s
  - { device: kiosk-01, expect: { acked: { type: vote, count: 2 } } }
  - { device: kiosk-02, expect: { acked: { type: vote, count: 2 } } }
`;

let gateway: Gateway;
let dataDir: string;
let token: string;
let browser: Chromium;
let page: Page;
/** Script errors and console errors (a CSP violation is one) over the whole run; a lookup's expected 404 is not. */
const problems: string[] = [];
/** The code kiosk-01 showed shareholder 12 after the vote. */
let receipt: string;

function ballot(rev: number, opens: number, closes: number): Ballot {
  return {
    v: 1,
    t: "ballot",
    ts: Math.floor(Date.now() / 1000),
    id: BALLOT_ID,
    rev,
    title: TITLE,
    options: [
      { id: "yes", label: "Yes" },
      { id: "no", label: "No" },
      { id: "abstain", label: "Abstain" },
    ],
    opens,
    closes,
    rule: { kind: "threshold", option: "yes", num: 1, den: 2, base: "cast" },
    quorum: { num: 1, den: 2 },
    roll: "shareholders",
  };
}

async function admin_(method: "POST", path: string, body: string, type: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(new URL(path, gateway.httpUrl), { method, headers: { authorization: `Bearer ${token}`, "content-type": type }, body });
  return { status: response.status, json: await response.json() };
}

async function publishBallot(b: Ballot): Promise<void> {
  const cose = signPayload(ALG_EDDSA, admin.adminKid, b, admin.adminKey);
  const answer = await admin_("POST", "/admin/ballots", JSON.stringify({ cose: Buffer.from(cose).toString("base64") }), "application/json");
  expect(answer, JSON.stringify(answer.json)).toMatchObject({ status: 201 });
}

/** How long the page may take to show what the gateway has: it polls every 3 s, and CI machines are shared. */
const eventually = { timeout: 30_000 };
/** Enrols a metering device through the admin API and connects it to the gateway's broker as the device would. */
async function enrolMeter(id: string, key: Uint8Array): Promise<{ publish(cose: Uint8Array): Promise<void> }> {
  const password = `${id}-password`;
  const enrolled = await admin_("POST", "/admin/devices", JSON.stringify({ id, site: SITE, alg: "EdDSA", pub: toHex(publicKeyOf(ALG_EDDSA, key)), password }), "application/json");
  expect(enrolled.status).toBe(201);
  return {
    async publish(cose) {
      const client = await mqtt.connectAsync(gateway.mqttUrl, { clientId: id, username: id, password, reconnectPeriod: 0 });
      try {
        await client.publishAsync(deviceTopic(SITE, id, "reading"), Buffer.from(cose), { qos: 1 });
      } finally {
        await client.endAsync();
      }
    },
  };
}

const ballotCard = () => page.locator(`[data-ballot="${BALLOT_ID}"]`);
const verdict = () => page.getByTestId("receipt-verdict");

async function lookUp(code: string): Promise<void> {
  await page.fill("#receipt-code", code);
  await page.click("#receipt-form button[type=submit]");
  await expect.poll(() => verdict().getAttribute("data-verified"), eventually).toMatch(/^(true|false)$/);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "signet-dashboard-"));
  const config = loadConfig({ data: dataDir, http: 0, mqtt: 0 }, { SIGNET_SITE: SITE, SIGNET_SCAN_CYCLE_MS: "20" });
  token = config.adminTokens[0];
  gateway = await startGateway({ ...config, admins: [{ kid: admin.adminKid, alg: ALG_EDDSA, pub: publicKeyOf(ALG_EDDSA, admin.adminKey) }] });
  if (hasChromium) {
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error" && !message.text().includes("404")) problems.push(message.text());
    });
  }
});

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.runIf(hasChromium)("the gateway's dashboard in Chromium", () => {
  it("serves the page with its bundle, and shows the log and the key the gateway serves", async () => {
    const answer = await page.goto(gateway.httpUrl);
    expect(answer?.status()).toBe(200);
    expect(answer?.headers()["content-type"]).toBe("text/html; charset=utf-8");
    expect(answer?.headers()["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
    await expect.poll(() => page.getByTestId("served-key").textContent(), eventually).toBe(gateway.key.verifierKey);
    await expect.poll(() => page.getByTestId("log-origin").innerText(), eventually).toBe(gateway.key.name);
    await expect.poll(() => page.locator("#ballot-list").innerText(), eventually).toContain("No ballot has been published");
    expect(await page.getByTestId("key-status").textContent()).toContain("No key pinned");
    expect(problems).toEqual([]);
  });

  it("shows the ballot scheduled, then open with turnout rising live as shareholders vote on the kiosks", async () => {
    expect((await admin_("POST", "/admin/rolls/shareholders", ROLL, "text/csv")).status).toBe(201);
    // The roll counts when committed before the ballot opens (PROTOCOL §4.6): the window starts a moment from now.
    const opens = Math.floor(Date.now() / 1000) + 6;
    await publishBallot(ballot(1, opens, opens + 3600));
    await page.reload();
    await expect.poll(() => ballotCard().getAttribute("data-status"), eventually).toBe("scheduled");
    expect(await ballotCard().innerText()).toContain(TITLE);
    expect(await ballotCard().innerText()).toContain("Options: Yes, No, Abstain.");
    await expect.poll(() => ballotCard().getAttribute("data-status"), eventually).toBe("open");
    expect(await ballotCard().getByTestId("turnout").innerText()).toContain("Turnout 0 of 100 eligible (0 %) · 0 votes counted");
    expect(await ballotCard().innerText()).toContain("Results are shown when the ballot closes.");

    const result = await runScenario(parseScenario(VOTING, "dashboard.yaml"), {
      gateway: { url: gateway.httpUrl, token, publishBallot: () => {} },
      broker: gateway.mqttUrl,
      speed: 20,
    });
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.passed).toBe(true);
    const shown = result.trace.find((line) => line.includes('kiosk-01 screen: "Vote recorded Receipt:'))!;
    receipt = /Receipt: ([A-Z2-7]{4}-[A-Z2-7]{4})/.exec(shown)![1];

    // Without a reload: the page polls the read API.
    await expect.poll(() => ballotCard().getByTestId("turnout").innerText(), eventually).toContain("Turnout 90 of 100 eligible (90 %) · 4 votes counted");
    expect(await ballotCard().getAttribute("data-status")).toBe("open");
    expect(await ballotCard().getByTestId("outcome").count()).toBe(0);
  });

  it("after the chair closes the ballot, shows the counts, the outcome and the rule that produced it", async () => {
    const current = (await (await fetch(new URL(`/api/ballots/${BALLOT_ID}`, gateway.httpUrl))).json()) as { opens: number };
    await publishBallot(ballot(2, current.opens, Math.floor(Date.now() / 1000) + 2));
    await expect.poll(() => ballotCard().getAttribute("data-status"), eventually).toBe("closed");
    await expect.poll(() => ballotCard().getByTestId("outcome").count(), eventually).toBe(1);

    expect(await ballotCard().getByTestId("outcome").innerText()).toBe("Outcome: Adopted");
    const rows = ballotCard().getByTestId("results").locator("tr");
    const cells = async (i: number) => rows.nth(i).locator("th, td").allTextContents();
    expect([await cells(0), await cells(1), await cells(2)]).toEqual([
      ["Yes", "", "55", "61.1 %"],
      ["No", "", "25", "27.8 %"],
      ["Abstain", "", "10", "11.1 %"],
    ]);
    expect(await ballotCard().getByTestId("turnout").innerText()).toBe("Turnout 90 of 100 eligible (90 %); quorum met.");
    const rule = await ballotCard().getByTestId("rule").innerText();
    expect(rule).toContain("Threshold: “Yes” is adopted when it has at least 1/2 of the weight cast (abstentions count as cast)");
    expect(rule).toContain("Quorum: a turnout of at least 1/2 of the eligible weight");
    expect(rule).toMatch(/Why: \S/);
    expect(rule).toMatch(/Tally entry \d+ of the log counts the votes committed below log size \d+/);
  });

  it("a voter types the receipt code from the kiosk, in lower case without the dash, and this browser verifies it and shows the ballot and the choice", async () => {
    await lookUp(receipt.replace("-", "").toLowerCase());
    expect(await verdict().getAttribute("data-verified")).toBe("true");
    expect(await verdict().innerText()).toContain(`✔ Verified — receipt ${receipt} is in the log, checked by this browser`);
    const match = page.getByTestId("receipt-match");
    expect(await match.count()).toBe(1);
    expect(await match.getByTestId("receipt-ballot").innerText()).toBe(`${TITLE} (${BALLOT_ID})`);
    expect(await match.getByTestId("receipt-choice").innerText()).toBe("Yes");
    const text = await page.locator("#receipt-result").innerText();
    expect(text).toContain("shareholder-12");
    expect(text).toContain("kiosk-01");
    expect(text).toContain(`Checkpoint signature (key served by this gateway, not pinned): signed by ${gateway.key.name}`);
    expect(text).toMatch(/Inclusion proof to the checkpoint's root: entry \d+ is in the log of size \d+/);
    expect(text).toContain("Log only grew since this browser last looked: the first checkpoint of this log this browser has seen");
  });

  it("an answer with one proof hash changed is NOT verified, and the page says which check failed", async () => {
    await page.route("**/log/receipt/**", async (route) => {
      const answer = (await (await route.fetch()).json()) as { matches: { hashes: string[] }[] };
      const hash = Buffer.from(answer.matches[0].hashes[0], "base64");
      hash[31] ^= 0x01;
      answer.matches[0].hashes[0] = hash.toString("base64");
      await route.fulfill({ json: answer });
    });
    await lookUp(receipt);
    await page.unrouteAll();
    expect(await verdict().getAttribute("data-verified")).toBe("false");
    expect(await verdict().innerText()).toContain("✘ NOT verified");
    const failed = page.locator("#receipt-result li.bad");
    expect(await failed.allInnerTexts()).toEqual([expect.stringMatching(/^✘Inclusion proof to the checkpoint's root: calculated root [0-9a-f]{64} does not match expected root [0-9a-f]{64}$/)]);
  });

  it("a checkpoint whose size was changed is NOT verified: its signature fails", async () => {
    await page.route("**/log/receipt/**", async (route) => {
      const answer = (await (await route.fetch()).json()) as { checkpoint: string };
      answer.checkpoint = answer.checkpoint.replace(/\n(\d+)\n/, (_m, size: string) => `\n${Number(size) + 1}\n`);
      await route.fulfill({ json: answer });
    });
    await lookUp(receipt);
    await page.unrouteAll();
    expect(await verdict().getAttribute("data-verified")).toBe("false");
    expect(await page.locator("#receipt-result li.bad").first().innerText()).toMatch(/Checkpoint signature .*: invalid signature for key /);
  });

  it("an auditor who pins another key is warned, and receipts do not verify until the gateway's own key is pinned", async () => {
    const impostor = gatewayKeyFromSeed(gateway.key.name, new Uint8Array(32).fill(9)).verifierKey;
    await page.click("details.keys summary");
    await page.fill("#pin-key", "not a key");
    await page.click("#pin-form button[type=submit]");
    await expect.poll(() => page.locator("#key-status").innerText(), eventually).toContain("Not pinned: verifier key must be <name>+<hex key ID>+<base64 key>");

    await page.fill("#pin-key", impostor);
    await page.click("#pin-form button[type=submit]");
    await expect.poll(() => page.getByTestId("key-status").textContent(), eventually).toContain("Pinned key differs from the key this gateway serves");
    await lookUp(receipt);
    expect(await verdict().getAttribute("data-verified")).toBe("false");
    expect(await page.locator("#receipt-result li.bad").first().innerText()).toMatch(/Checkpoint signature \(pinned key\): note has no signature by key /);

    // The pin survives a reload (localStorage); pinning the right key verifies again.
    await page.reload();
    await expect.poll(() => page.getByTestId("key-status").textContent(), eventually).toContain("Pinned key differs");
    await page.click("details.keys summary");
    await page.fill("#pin-key", gateway.key.verifierKey);
    await page.click("#pin-form button[type=submit]");
    await expect.poll(() => page.getByTestId("key-status").textContent(), eventually).toContain("Pinned key (matches the key this gateway serves)");
    await lookUp(receipt);
    expect(await verdict().getAttribute("data-verified")).toBe("true");
    expect(await page.locator("#receipt-result").innerText()).toContain("Checkpoint signature (pinned key): signed by");
    await page.click("#unpin");
    await expect.poll(() => page.getByTestId("key-status").textContent(), eventually).toContain("No key pinned");
  });

  it("a log that no longer extends the checkpoint this browser saw before is NOT verified", async () => {
    const storage = JSON.stringify(`signet.seenCheckpoint:${gateway.key.name}`);
    const remembered = String(await page.evaluate(`localStorage.getItem(${storage})`));
    const seen = JSON.parse(remembered) as { size: number; root: string };
    expect(seen).toMatchObject({ size: expect.any(Number), root: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // As if this browser had seen another history, one entry shorter than now.
    await page.evaluate(`localStorage.setItem(${storage}, ${JSON.stringify(JSON.stringify({ size: seen.size - 1, root: "ab".repeat(32) }))})`);
    await lookUp(receipt);
    expect(await verdict().getAttribute("data-verified")).toBe("false");
    expect(await page.locator("#receipt-result li.bad").allInnerTexts()).toEqual([expect.stringMatching(new RegExp(`^✘Log only grew since this browser last looked: not an extension of the log of size ${seen.size - 1} this browser saw before: `))]);

    await page.evaluate(`localStorage.setItem(${storage}, ${JSON.stringify(remembered)})`);
    await lookUp(receipt);
    expect(await verdict().getAttribute("data-verified")).toBe("true");
  });

  it("a code nobody has is reported as not found, not as verified", async () => {
    await lookUp("AAAA-AAAA");
    expect(await verdict().getAttribute("data-verified")).toBe("false");
    expect(await verdict().innerText()).toContain("No entry has receipt code AAAA-AAAA yet");
    await lookUp("ABCD-EFG1");
    expect(await verdict().innerText()).toContain("“ABCD-EFG1” is not a receipt code");
  });

  it("meters feed the energy charts per site and per device, and every device is listed with its health", async () => {
    const fleet = await runFleet({ devices: 3, sites: 1, site: SITE, durationMs: 40 * 60_000, speed: "max", broker: gateway.mqttUrl, gateway: { url: gateway.httpUrl, token }, seed: "dashboard-fleet" });
    expect(fleet.rejected).toBe(0);
    expect(fleet.acked).toBeGreaterThanOrEqual(3 * 30);

    await page.selectOption("#energy-bucket", "15m");
    await page.selectOption("#energy-span", "21600");
    await expect.poll(async () => Number(await page.getByTestId("energy-site").getAttribute("data-points")), eventually).toBeGreaterThanOrEqual(2);
    expect(Number(await page.getByTestId("energy-devices").getAttribute("data-points"))).toBeGreaterThanOrEqual(3 * 2);
    expect(await page.getByTestId("energy-site").locator("canvas").count()).toBe(1);
    expect(await page.getByTestId("energy-devices").locator(".u-legend").innerText()).toContain("meter-0001");
    for (const dev of ["meter-0001", "meter-0002", "meter-0003"]) expect(await page.locator(`#energy-totals tr[data-dev="${dev}"]`).innerText()).toMatch(/Wh/);
    expect(await page.getByTestId("site-total").innerText()).toMatch(/^Site town-hall: [\d.,]+ k?Wh/);

    // One device's chart on its own.
    await page.selectOption("#energy-device", "meter-0002");
    await expect.poll(() => page.locator("#energy-totals tbody tr").count(), eventually).toBe(1);
    expect(await page.locator("#energy-totals tbody tr").getAttribute("data-dev")).toBe("meter-0002");
    expect(await page.getByTestId("site-total").innerText()).toMatch(/^Site town-hall, meter-0002 only: /);

    await expect.poll(() => page.locator("#device-list tr[data-dev]").count(), eventually).toBe(5);
    for (const dev of ["kiosk-01", "kiosk-02", "meter-0001"]) {
      const row = page.locator(`#device-list tr[data-dev="${dev}"]`);
      expect(await row.locator("td").allTextContents()).toEqual([dev, SITE, expect.stringMatching(/^(ES256|EdDSA)$/), "active", expect.any(String), expect.stringMatching(/ ago$/), expect.any(String), expect.any(String), expect.any(String), expect.any(String)]);
    }
  });

  it("a forged reading from an enrolled device shows up among the rejects, counted by reason", async () => {
    const meter = await enrolMeter("meter-rogue", new Uint8Array(32).fill(3));
    const forgerKey = new Uint8Array(32).fill(4);
    const now = Math.floor(Date.now() / 1000);
    await meter.publish(signPayload(ALG_EDDSA, "meter-rogue", { v: 1, t: "reading", dev: "meter-rogue", seq: 1, ts: now, ch: 0, count: 500, d: 500, imp: 1000, from: now - 60, to: now }, forgerKey));
    const row = page.locator('#reject-counts tr[data-reason="bad-signature"]');
    await expect.poll(() => row.count(), eventually).toBe(1);
    expect(await row.locator("th, td").allTextContents()).toEqual(["bad-signature", "", "1"]);
    expect(await page.locator('#reject-recent tr[data-reason="bad-signature"]').innerText()).toContain(`signet/v1/${SITE}/meter-rogue/reading`);
    await expect.poll(() => page.locator("#device-list tr[data-dev]").count(), eventually).toBe(6);
  });

  it("pulses a meter counted before its first reading are charted as estimated", async () => {
    const key = new Uint8Array(32).fill(5);
    const meter = await enrolMeter("meter-late", key);
    const now = Math.floor(Date.now() / 1000);
    // 1,500 pulses since provisioning, 500 of them in this interval: 1,000 were never reported on their own.
    const reading: Reading = { v: 1, t: "reading", dev: "meter-late", seq: 1, ts: now, ch: 0, count: 1500, d: 500, imp: 1000, from: now - 60, to: now };
    await meter.publish(signPayload(ALG_EDDSA, "meter-late", reading, key));
    await page.selectOption("#energy-device", "");
    const row = page.locator('#energy-totals tr[data-dev="meter-late"]');
    await expect.poll(() => row.count(), eventually).toBe(1);
    expect(await row.locator("td").allTextContents()).toEqual(["meter-late", "1.5 kWh (part estimated)"]);
    expect(await page.getByTestId("site-total").innerText()).toContain("(part estimated)");
    await page.selectOption("#energy-bucket", "1h");
    await expect.poll(() => page.getByTestId("site-total").innerText(), eventually).toContain("buckets of 1h");
  });

  it("looks tidy on a wide screen and on a phone: full-page screenshots, and nothing wider than the phone's screen", async () => {
    await lookUp(receipt);
    // The meters made the log grow since the first lookup: proved by a consistency proof.
    expect(await page.locator("#receipt-result").innerText()).toMatch(/Log only grew since this browser last looked: the log of size \d+ extends the one of size \d+ this browser saw before/);
    const path = process.env.SIGNET_DASHBOARD_SCREENSHOT ?? join(dataDir, "dashboard.png");
    await page.screenshot({ path, fullPage: true });
    expect(readFileSync(path).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    await page.setViewportSize({ width: 390, height: 844 });
    // Wide tables scroll inside their own section; the page itself does not scroll sideways.
    await expect.poll(() => page.evaluate("document.documentElement.scrollWidth").then(Number), eventually).toBeLessThanOrEqual(390);
    expect(await page.getByTestId("energy-site").locator("canvas").boundingBox()).toMatchObject({ width: expect.toSatisfy((w: number) => w <= 390) });
    await page.screenshot({ path: path.replace(/\.png$/, "-phone.png"), fullPage: true });
    expect(problems).toEqual([]);
  });
});
