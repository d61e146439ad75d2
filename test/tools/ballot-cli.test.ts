// An administrator makes a key, writes a ballot in YAML and signs it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openMessage, fromHex } from "../../firmware/protocol/index.ts";

const BIN = new URL("../../bin/signet.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "signet-ballot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const signet = (...args: string[]) => {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
};

const BALLOT = `id: agm-2026.item-3
rev: 1
title: Approve the 2026 accounts
options:
  - { id: "yes", label: "Yes" }
  - { id: "no", label: "No" }
  - { id: abstain, label: Abstain }
opens: 2026-12-01T09:00:00Z
closes: 1796202000
rule: { kind: threshold, option: "yes", num: 2, den: 3, base: cast }
quorum: { num: 1, den: 4 }
roll: agm-2026
`;

describe("signet key generate + signet ballot sign", () => {
  it("signs a YAML ballot that verifies with the printed public key", () => {
    const keyFile = join(dir, "admin.key");
    const gen = signet("key", "generate", "--alg", "ES256", "--kid", "admin.example.org/clerk", "--out", keyFile);
    expect(gen.code).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const pub = /public key: ([0-9a-f]+)/.exec(gen.stdout)![1];
    expect(signet("key", "generate", "--kid", "x", "--out", keyFile).stderr).toMatch(/exists; not overwriting/);

    writeFileSync(join(dir, "ballot.yaml"), BALLOT);
    const out = join(dir, "ballot.cose");
    const sign = signet("ballot", "sign", "--key", keyFile, "--ts", "1795000000", "--out", out, join(dir, "ballot.yaml"));
    expect(sign.stderr).toBe("");
    expect(sign.code).toBe(0);
    const { message, payload } = openMessage(new Uint8Array(readFileSync(out)), { publicKey: fromHex(pub), alg: -7, allowed: ["ballot"] });
    expect(message.kid).toBe("admin.example.org/clerk");
    expect(payload).toMatchObject({ id: "agm-2026.item-3", ts: 1795000000, opens: Date.parse("2026-12-01T09:00:00Z") / 1000, closes: 1796202000, roll: "agm-2026" });
  });

  it("names the field that is wrong in a ballot definition", () => {
    const keyFile = join(dir, "admin2.key");
    signet("key", "generate", "--kid", "admin.example.org/other", "--out", keyFile);
    writeFileSync(join(dir, "bad.yaml"), BALLOT.replace('{ id: "no", label: "No" }', '{ id: "tie", label: "Tie" }'));
    const run = signet("ballot", "sign", "--key", keyFile, "--out", join(dir, "bad.cose"), join(dir, "bad.yaml"));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml: ballot\.options\[1\]\.id: "tie" is reserved/);
    writeFileSync(join(dir, "late.yaml"), BALLOT.replace("2026-12-01T09:00:00Z", "next tuesday"));
    expect(signet("ballot", "sign", "--key", keyFile, "--out", join(dir, "x.cose"), join(dir, "late.yaml")).stderr).toMatch(/opens: "next tuesday" is neither/);
  });
});
