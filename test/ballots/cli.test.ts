// An administrator at the command line: a key, a roll, a signed ballot
// published through the gateway, and the ballot listed and tallied.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { fromHex } from "../../firmware/protocol/index.ts";
import { adminGateway, removeDataDir, type TestGateway } from "./setup.ts";

const run = promisify(execFile);
const SIGNET = new URL("../../bin/signet.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "signet-ballot-cli-"));
let gateway: TestGateway;

async function signet(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SIGNET, ...args]);
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const failed = e as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

beforeAll(async () => {
  const key = join(dir, "admin.key");
  expect((await signet("key", "generate", "--alg", "EdDSA", "--kid", "clerk.example.org/cli", "--out", key)).code).toBe(0);
  const file = JSON.parse(readFileSync(key, "utf8")) as { kid: string; public: string };
  gateway = await adminGateway([{ kid: file.kid, alg: -8, privateKey: new Uint8Array(32), pub: fromHex(file.public) }]);
});

afterAll(async () => {
  await gateway.stop();
  removeDataDir(gateway);
  rmSync(dir, { recursive: true, force: true });
});

it("imports a roll, refusing a bad row by its line before sending anything", async () => {
  writeFileSync(join(dir, "bad.csv"), "voter,weight\nanna,3\nben,-1\n");
  const bad = await signet("roll", "import", "--gateway", gateway.httpUrl, "--token", gateway.token, "--roll", "members", join(dir, "bad.csv"));
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("roll line 3");
  writeFileSync(join(dir, "members.csv"), "voter,weight\nanna,3\nben,1\n");
  const good = await signet("roll", "import", "--gateway", gateway.httpUrl, "--token", gateway.token, "--roll", "members", join(dir, "members.csv"));
  expect(good.stdout).toMatch(/^imported roll members rev 1: 2 voters, total weight 4, roll entry at leaf \d+/);
});

it("signs a ballot offline, publishes it, lists it and shows its live turnout", async () => {
  const opens = Math.floor(Date.now() / 1000) - 60;
  writeFileSync(
    join(dir, "ballot.yaml"),
    `id: budget-2027\nrev: 1\ntitle: Budget 2027\noptions: [{id: yes, label: "Yes"}, {id: no, label: "No"}]\nopens: ${opens}\ncloses: ${opens + 86400}\nrule: {kind: plurality}\nquorum: {num: 1, den: 2}\nroll: members\n`,
  );
  const cose = join(dir, "ballot.cose");
  expect((await signet("ballot", "sign", "--key", join(dir, "admin.key"), "--out", cose, join(dir, "ballot.yaml"))).code).toBe(0);
  const published = await signet("ballot", "publish", "--gateway", gateway.httpUrl, "--token", gateway.token, cose);
  expect(published.stdout).toMatch(/^published budget-2027 rev 1 \(open\): ballot entry at leaf \d+/);
  const again = await signet("ballot", "publish", "--gateway", gateway.httpUrl, "--token", gateway.token, cose);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain("the gateway refused (409): rev: rev 1 is not above the committed rev 1");
  expect((await signet("ballot", "list", "--gateway", gateway.httpUrl)).stdout).toMatch(/^budget-2027 {2}rev 1 {2}open .* turnout 0\/4 {2}Budget 2027/);
  expect((await signet("ballot", "tally", "--gateway", gateway.httpUrl, "budget-2027")).stdout).toContain("turnout so far 0 of 4 eligible (0 votes)");
  const unknown = await signet("ballot", "tally", "--gateway", gateway.httpUrl, "nope");
  expect(unknown.stderr).toContain('no ballot "nope"');
});
