// The shipped scenarios (simulator/scenarios/*.yaml) as CI runs them:
// every expectation holds on Node and on XS, and both engines sign the same
// messages byte for byte from the same scenario and seed.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../simulator/runner/run";
import type { ScenarioResult } from "../../simulator/scenario/execute";
import { parseScenario } from "../../simulator/scenario/parse";
import { xsAvailable } from "../../simulator/xs/runner";

const DIR = new URL("../../simulator/scenarios/", import.meta.url).pathname;
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".yaml")).sort();

function load(file: string) {
  return parseScenario(readFileSync(DIR + file, "utf8"), `simulator/scenarios/${file}`);
}

function failures(r: ScenarioResult): string[] {
  return [...r.checks.filter((c) => !c.ok).map((c) => `${r.file}:${c.line}: ${c.description}: ${c.detail}`), ...(r.error ? [`${r.file}:${r.error.line}: ${r.error.message}`] : [])];
}

describe("the shipped scenarios", () => {
  it("cover a full ballot, a PIN lockout, offline voting, a power cut mid-vote and a day of metering", () => {
    expect(FILES).toEqual(["full-ballot.yaml", "metering-day.yaml", "offline-vote.yaml", "power-cut.yaml", "wrong-pin-lockout.yaml"]);
  });

  const node = new Map<string, ScenarioResult>();
  for (const file of FILES) {
    it(`${file} passes on Node`, async () => {
      const result = await runScenario(load(file));
      node.set(file, result);
      expect(failures(result)).toEqual([]);
      expect(result.checks.length).toBeGreaterThan(3);
      expect(result.passed).toBe(true);
    });
  }

  describe.runIf(xsAvailable())("on XS", () => {
    for (const file of FILES) {
      it(`${file} passes on XS with the same messages byte for byte as on Node`, async () => {
        const spec = load(file);
        const xs = await runScenario(spec, { engine: "xs" });
        expect(failures(xs)).toEqual([]);
        const onNode = node.get(file) ?? (await runScenario(spec));
        expect(xs.messages.length).toBeGreaterThan(0);
        expect(xs.messages).toEqual(onNode.messages);
        expect(xs.checks.map((c) => [c.line, c.ok, c.detail])).toEqual(onNode.checks.map((c) => [c.line, c.ok, c.detail]));
      });
    }
  });

  it("the same seed gives the same messages, another seed other keys and signatures", async () => {
    const spec = load("full-ballot.yaml");
    const again = await runScenario(spec);
    const first = node.get("full-ballot.yaml") ?? (await runScenario(spec));
    expect(again.messages).toEqual(first.messages);
    const reseeded = await runScenario(spec, { seed: "another-meeting" });
    expect(reseeded.passed).toBe(true);
    expect(reseeded.messages.length).toBe(first.messages.length);
    expect(reseeded.messages.some((m, i) => m !== first.messages[i])).toBe(true);
  });
});
