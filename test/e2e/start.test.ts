// `npm start` as a newcomer meets it: the dashboard URL printed, votes from
// the demo kiosks counted and meter energy arriving, and Ctrl-C stopping it
// cleanly.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { until } from "../ballots/setup.ts";

const SIGNET = new URL("../../bin/signet.js", import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), "signet-start-"));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it("signet start prints the dashboard URL, the demo kiosks' votes are counted, meters report, and SIGINT stops it cleanly", async () => {
  const child = spawn(process.execPath, [SIGNET, "start", "--data", dataDir, "--http", "0", "--mqtt", "0", "--meters", "2"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    const dashboard = await until(() => /^\s+dashboard\s+(\S+)/m.exec(output)?.[1], 60_000, "the dashboard URL");
    expect(dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await fetch(dashboard)).status).toBe(200);
    const ballot = await until(async () => {
      const { ballots } = (await (await fetch(`${dashboard}api/ballots`)).json()) as { ballots: { id: string; turnout: number }[] };
      return ballots.find((b) => b.id === "demo-1.budget" && b.turnout > 0);
    }, 60_000, "a counted demo vote");
    expect(ballot.turnout).toBeGreaterThan(0);
    const energy = await until(async () => {
      const e = (await (await fetch(`${dashboard}api/energy?site=site&bucket=15m`)).json()) as { total: { wh: number }; devices: unknown[] };
      return e.devices.length === 2 ? e : undefined;
    }, 60_000, "two meters' energy");
    expect(energy.devices).toHaveLength(2);
  } finally {
    child.kill("SIGINT");
  }
  expect(await exited).toBe(0);
  expect(output).toContain("stopped.");
}, 90_000);
