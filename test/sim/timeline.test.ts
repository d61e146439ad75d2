// Timeline details a scenario author relies on: steps at absolute times, one
// kiosk's own network going while the other's stays, a device clock that
// jumps, and the stand-in gateway refusing a vote after the ballot closed.
import { describe, expect, it } from "vitest";
import { runScenario } from "../../simulator/runner/run";
import { parseScenario } from "../../simulator/scenario/parse";

const SCENARIO = `name: timeline details
seed: timeline
ballots:
  - { id: short-poll, title: "Short poll", options: [yes, no], opens: -1m, closes: 10m }
devices:
  - id: kiosk-a
    voters: [{ number: 1, id: v-1, pin: "1111" }, { number: 3, id: v-3, pin: "3333" }]
  - id: kiosk-b
    voters: [{ number: 2, id: v-2, pin: "2222" }]
steps:
  - { device: kiosk-a, link: down }
  - { at: 30s, device: kiosk-b, expect: { display: "Press # to vote" } }
  - { device: kiosk-a, expect: { display: "No network" } }
  - { at: 1m, device: kiosk-b, keys: "#2#2222#" }
  - { device: kiosk-b, press: opt1 }
  - { device: kiosk-b, press: confirm }
  - { at: 90s, device: kiosk-b, expect: { receipt: true } }
  - { device: kiosk-a, link: up }
  - { at: 4m, device: kiosk-a, expect: { display: "Press # to vote" } }
  # Past the close by the gateway's clock; the kiosk's own clock was wound back five minutes, so it still offers the ballot.
  - { device: kiosk-a, clock: -5m }
  - { at: 11m, device: kiosk-a, keys: "#1#1111#" }
  - { device: kiosk-a, press: opt2 }
  - { device: kiosk-a, press: confirm }
  - wait: 2s
  - { device: kiosk-a, expect: { nacked: ballot-closed, shown: "This ballot is closed." } }
`;

describe("a scenario's timeline", () => {
  it("runs steps at their times, per-device links, clock jumps, and a vote after the close is refused", async () => {
    const result = await runScenario(parseScenario(SCENARIO, "timeline.yaml"));
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.checks.map((c) => Math.round(c.at / 1000))).toEqual([30, 30, 90, 240, 664, 664]);
    expect(result.trace.some((l) => l.includes("kiosk-a device clock steps -300 s"))).toBe(true);
    expect(result.passed).toBe(true);
  });
});
