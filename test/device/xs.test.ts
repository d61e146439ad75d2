import { describe, expect, it } from "vitest";
import { runOnXs, xsAvailable } from "../../simulator/xs/runner";
import { main, type ScenarioResult } from "./xs/scenario";

const ENTRY = new URL("./xs/scenario.ts", import.meta.url).pathname;

describe.runIf(xsAvailable())("the device on XS", () => {
  for (const key of ["atecc608a", "software"] as const) {
    it(`signs the same messages byte for byte as on Node (${key} key, deterministic clock and seeds)`, async () => {
      const node = await main({ key });
      const xs = (await runOnXs<ScenarioResult>(ENTRY, { key })).result;
      expect(node.messages.filter((m) => m.includes("/vote ")).length).toBe(3);
      expect(node.screens[3]).toBe("Wrong PIN. Voter 12 is locked for 30 s.");
      expect(node.screens[4]).toBe("Vote stored. It will be sent when the link is back.");
      expect(node.messages.filter((m) => m.includes("/reading ")).length).toBeGreaterThanOrEqual(6);
      expect(node.messages.some((m) => m.includes("/status "))).toBe(true);
      expect(node.screens[1]).toMatch(/^Vote recorded Receipt: [A-Z2-7]{4}-[A-Z2-7]{4}$/);
      expect(xs.messages).toEqual(node.messages);
      expect(xs.screens).toEqual(node.screens);
      expect(xs.outbox).toBe(node.outbox);
      expect(node.outbox).toBeLessThanOrEqual(1); // at most a reading signed in the last instant
    });
  }
});
