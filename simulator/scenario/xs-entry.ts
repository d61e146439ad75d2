// The XS engine's entry for `signet sim run --xs`: the checked scenario
// arrives as JSON, the firmware, the emulated hardware, the in-process link
// and the stand-in gateway all run inside XS, and the result goes back as
// JSON (simulator/xs/runner.ts). The Node side only parses the file and
// writes the reports.
import { runInProcess } from "./in-process";
import type { ScenarioResult } from "./execute";
import type { ScenarioSpec } from "./spec";

export async function main(input: { scenario: ScenarioSpec }): Promise<ScenarioResult> {
  return runInProcess(input.scenario);
}
