import { describe, expect, it } from "vitest";
import { runOnXs, xsAvailable } from "../../simulator/xs/runner";
import { main, type ScenarioResult } from "./xs/scenario";

const ENTRY = new URL("./xs/scenario.ts", import.meta.url).pathname;

describe.runIf(xsAvailable())("the device on XS", () => {
  for (const key of ["atecc608a", "software"] as const) {
    it(`signs the same messages byte for byte as on Node (${key} key, deterministic clock and seeds)`, async () => {
      const node = await main({ key });
      const xs = (await runOnXs<ScenarioResult>(ENTRY, { key })).result;
      expect(node.messages.filter((m) => m.includes("/vote ")).length).toBe(2);
      expect(node.messages.filter((m) => m.includes("/reading ")).length).toBeGreaterThanOrEqual(8);
      expect(node.messages.some((m) => m.includes("/status "))).toBe(true);
      expect(node.screens[1]).toMatch(/^Vote recorded Receipt: [A-Z2-7]{4}-[A-Z2-7]{4}$/);
      expect(xs.messages).toEqual(node.messages);
      expect(xs.screens).toEqual(node.screens);
      expect(xs.outbox).toBe(0);
    });
  }
});
