// The drivers on Moddable's XS engine against the same emulated parts: every
// scenario gives the same keys, presses, matches, signatures and counts as on Node.
import { describe, expect, it } from "vitest";
import { runOnXs, xsAvailable } from "../../simulator/xs/runner.ts";
import { main } from "./xs/scenarios.ts";

describe("drivers on XS", () => {
  it("has an XS engine built by npm install", () => {
    expect(xsAvailable()).toBe(true);
  });

  it("every driver-against-emulator scenario gives identical results on XS and on Node", async () => {
    const node = await main(null);
    const { result } = await runOnXs<Record<string, unknown>>(new URL("./xs/scenarios.ts", import.meta.url).pathname, null);
    expect(result).toEqual(JSON.parse(JSON.stringify(node)));
    // And the scenarios say what they should.
    expect(node.keypad).toMatchObject({ keys: ["2", "5", "8", "0", "*", "#"] });
    expect(node.buttons).toMatchObject({ presses: ["opt2", "confirm"] });
    expect(node.fingerprint).toMatchObject({ steps: ["place", "lift", "place-again"], match: { slot: 7 }, stranger: null, count: 1 });
    expect(node.secureElement).toMatchObject({ verified: [true, true, true], failure: "ATECC608A Sign failed: execution error (slot not configured for this, or no key in it)" });
    expect(node.softwareKey).toMatchObject({ verified: true });
    expect(node.pulses).toMatchObject({ count: 240, rejected: 5, emitted: 240 });
  });
});
