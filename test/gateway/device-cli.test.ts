// `signet device` against a running gateway: a technician enrols, lists and
// revokes a board, and a refusal comes back with the gateway's reason.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { publicKeyOf, toHex } from "../../firmware/protocol/index.ts";
import { SITE, testGateway } from "./devices.ts";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../..");
let gateway: Awaited<ReturnType<typeof testGateway>>;

async function signet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["bin/signet.js", ...args], { cwd: repo });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  gateway = await testGateway();
});

afterAll(async () => {
  await gateway.stop();
});

it("enrol, list and revoke a device from the command line", async () => {
  const connection = ["--gateway", gateway.httpUrl, "--token-file", `${gateway.dataDir}/admin-token`];
  const pub = toHex(publicKeyOf(-7, randomBytes(32)));
  const enrolled = await signet("device", "enroll", ...connection, "--id", "kiosk-cli", "--site", SITE, "--alg", "ES256", "--pub", pub, "--password", "a-long-mqtt-password");
  expect(enrolled).toMatchObject({ code: 0, stdout: expect.stringMatching(/^enrolled kiosk-cli: device record at leaf \d+\n$/) });

  const listed = await signet("device", "list", ...connection, "--json");
  expect(JSON.parse(listed.stdout).devices).toEqual([expect.objectContaining({ id: "kiosk-cli", alg: "ES256", pub, status: "active" })]);

  const refused = await signet("device", "enroll", ...connection, "--id", "kiosk-cli", "--site", SITE, "--alg", "ES256", "--pub", pub, "--password", "a-long-mqtt-password");
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/refused \(409\): id: device "kiosk-cli" is already enrolled/);

  const revoked = await signet("device", "revoke", ...connection, "--id", "kiosk-cli");
  expect(revoked).toMatchObject({ code: 0, stdout: expect.stringMatching(/^revoked kiosk-cli/) });
  expect((await signet("device", "list", ...connection)).stdout).toMatch(/kiosk-cli\s+test-site\s+ES256\s+revoked/);
});
