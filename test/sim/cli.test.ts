// `signet sim run` as CI calls it: the exit code says whether every
// expectation held, a JUnit report is written, a failure prints the line it
// failed on and the trace of what happened, a bad file is refused before
// anything runs, and an unreachable broker is reported and retried.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SIGNET = new URL("../../bin/signet.js", import.meta.url).pathname;
const LOCKOUT = new URL("../../simulator/scenarios/wrong-pin-lockout.yaml", import.meta.url).pathname;

function sim(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SIGNET, "sim", ...args], (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "signet-sim-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WRONG = `name: expects the wrong screen
seed: cli
ballots:
  - { id: poll, title: "Poll", options: [yes, no] }
devices:
  - id: kiosk-01
    voters: [{ number: 1, id: v-1, pin: "1234" }]
steps:
  - keys: "#1#1234#"
  - expect: { display: "Thank you" }
`;

describe("signet sim run", () => {
  it("passes a shipped scenario with exit code 0 and writes a JUnit report", async () => {
    const junit = join(dir, "pass.xml");
    const { code, stdout } = await sim("run", LOCKOUT, "--junit", junit);
    expect(stdout).toMatch(/^PASS .*wrong-pin-lockout\.yaml: wrong PIN lockout — (\d+)\/\1 expectations hold \(node,/);
    expect(code).toBe(0);
    const xml = readFileSync(junit, "utf8");
    expect(xml).toContain('<testsuite name="wrong PIN lockout"');
    expect(xml).toContain('failures="0"');
    expect(xml).toMatch(/<testcase classname="[^"]*wrong-pin-lockout\.yaml" name="line 19: kiosk-03 display shows &quot;Wrong PIN\. Voter 12 is locked for 30 s\.&quot;"\/>/);
  });

  it("runs the same scenario on the XS engine", async () => {
    const { code, stdout } = await sim("run", LOCKOUT, "--xs");
    expect(stdout).toMatch(/^PASS .*\(xs,/);
    expect(code).toBe(0);
  });

  it("fails with exit code 1, the file and line of the broken expectation, and the trace", async () => {
    const file = join(dir, "wrong.yaml");
    writeFileSync(file, WRONG);
    const junit = join(dir, "fail.xml");
    const { code, stdout } = await sim("run", file, "--junit", junit);
    expect(code).toBe(1);
    expect(stdout).toContain(`FAIL ${file}: expects the wrong screen — 0/1 expectations hold`);
    expect(stdout).toContain(`${file}:10: kiosk-01: expected display shows "Thank you"; the screen shows "Item 3`.slice(0, 60));
    expect(stdout).toContain('kiosk-01 keys "#1#1234#"');
    expect(stdout).toContain('kiosk-01 screen: "Poll 1 Yes  2 No"');
    expect(stdout).toContain("0 of 1 scenario(s) passed");
    const xml = readFileSync(junit, "utf8");
    expect(xml).toContain('failures="1"');
    expect(xml).toContain('<failure message="the screen shows &quot;Poll 1 Yes  2 No&quot;">');
  });

  it("refuses a malformed file before running anything, naming the line", async () => {
    const good = join(dir, "good.yaml");
    const bad = join(dir, "bad.yaml");
    writeFileSync(good, WRONG);
    writeFileSync(bad, WRONG.replace("  - keys:", "  - kyes:"));
    const { code, stdout, stderr } = await sim("run", good, bad);
    expect(code).toBe(2);
    expect(stderr).toBe(`signet: ${bad}:9: steps[0]: unknown key "kyes"\n`);
    expect(stdout).toBe(""); // not even the good file ran
  });

  it("reports an unreachable broker and the devices retry with the firmware's back-off", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const file = join(dir, "unreachable.yaml");
    writeFileSync(
      file,
      `name: a meter whose broker is gone
devices:
  - { id: meter-01, key: software, fingerprint: false, meters: [{ ch: 0, load: 2000 }] }
steps:
  - wait: 20s
  - expect: { published: { type: reading, min: 1 } }
`,
    );
    const { code, stdout, stderr } = await sim("run", file, "--broker", `mqtt://127.0.0.1:${port}`, "--speed", "20");
    expect(stderr).toContain(`signet sim: broker mqtt://127.0.0.1:${port} is unreachable (ECONNREFUSED at 127.0.0.1:${port}); the devices retry with the firmware's back-off`);
    expect(code).toBe(1);
    const retries = [...stdout.matchAll(/meter-01 log: connection failed \((.*)\); retry in (\d+) s/g)].map((m) => Number(m[2]));
    expect(retries.length).toBeGreaterThanOrEqual(3);
    // 1 s, then doubling (plus the device's own offset, so a fleet does not come back all at once).
    expect(retries[0]).toBe(1);
    for (let i = 1; i < retries.length; i++) expect(retries[i] / retries[i - 1]).toBeGreaterThanOrEqual(1.5);
  });
});
