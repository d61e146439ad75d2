// `signet msg` as a technician runs it: the real command in a child process.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Vector } from "../vectors/build.ts";
import { VECTOR_INPUTS } from "../vectors/inputs.ts";

const BIN = new URL("../../bin/signet.js", import.meta.url).pathname;
const vectors = JSON.parse(readFileSync(new URL("../vectors/messages.json", import.meta.url), "utf8")) as Vector[];
const invalid = JSON.parse(readFileSync(new URL("../vectors/invalid.json", import.meta.url), "utf8")) as {
  name: string;
  message: string;
  publicKey: string;
  alg: string;
  reason: string;
}[];

function signet(args: string[], input?: string | Buffer) {
  const run = spawnSync(process.execPath, [BIN, ...args], { input, encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The vector inputs as `signet msg` JSON: bytes as {"$hex"}. */
const payloadJson = (name: string) =>
  JSON.stringify(VECTOR_INPUTS.find((v) => v.name === name)!.payload, (_k, v) => (v instanceof Uint8Array ? { $hex: Buffer.from(v).toString("hex") } : v));

describe("signet msg", () => {
  const vote = vectors.find((v) => v.name === "vote" && v.alg === "ES256")!;
  const ballot = vectors.find((v) => v.name === "ballot" && v.alg === "EdDSA")!;

  it("sign reproduces the test vectors exactly", () => {
    for (const v of [vote, ballot]) {
      const run = signet(["msg", "sign", "--alg", v.alg, "--key", v.privateKey, "--kid", v.kid, "--payload", payloadJson(v.name)]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${v.message}\n`);
    }
  });

  it("sign refuses a payload that breaks PROTOCOL §4 and names the field, unless --raw", () => {
    const bad = JSON.stringify({ ...JSON.parse(payloadJson("vote")), seq: 0 });
    const run = signet(["msg", "sign", "--alg", "EdDSA", "--key", vote.privateKey, "--kid", "kiosk-07", "--payload", bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--payload: vote\.seq: 0 is outside 1/);
    expect(signet(["msg", "sign", "--raw", "--alg", "EdDSA", "--key", vote.privateKey, "--kid", "kiosk-07", "--payload", bad]).code).toBe(0);
    expect(signet(["msg", "sign", "--alg", "EdDSA", "--key", "00", "--kid", "k", "--payload", "{}"]).stderr).toMatch(/--key must be 32 bytes, got 1/);
    expect(signet(["msg", "sign", "--alg", "EdDSA", "--key", vote.privateKey, "--kid", "k", "--payload", "{"]).stderr).toMatch(/--payload is not JSON/);
  });

  it("verify prints the payload as JSON and exits 0", () => {
    const run = signet(["msg", "verify", "--pub", vote.publicKey, vote.message]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ t: "vote", dev: "kiosk-07", seq: 1, choice: "yes" });
  });

  it("verify reads hex or raw bytes from stdin", () => {
    expect(signet(["msg", "verify", "--pub", vote.publicKey, "-"], `${vote.message}\n`).code).toBe(0);
    expect(signet(["msg", "verify", "--pub", vote.publicKey, "-"], Buffer.from(vote.message, "hex")).code).toBe(0);
  });

  // One case per reason here; every case is checked in-process by test/protocol/vectors.test.ts.
  const onePerReason = invalid.filter((c, i) => invalid.findIndex((d) => d.reason === c.reason) === i);
  it.each(onePerReason)("verify of '$name' prints $reason and exits 1", (c) => {
    const run = signet(["msg", "verify", "--pub", c.publicKey, "--alg", c.alg, c.message || "-"], "");
    expect(run.stdout).toBe(`${c.reason}\n`);
    expect(run.code).toBe(1);
  });

  it("verify checks the topic when given one", () => {
    expect(signet(["msg", "verify", "--pub", vote.publicKey, "--topic", "signet/v1/town-hall/kiosk-07/vote", vote.message]).code).toBe(0);
    const run = signet(["msg", "verify", "--pub", vote.publicKey, "--topic", "signet/v1/town-hall/kiosk-08/vote", vote.message]);
    expect(run.stdout).toBe("topic-mismatch\n");
    expect(run.code).toBe(1);
  });

  it("inspect shows header, payload and sizes without a key", () => {
    const run = signet(["msg", "inspect", ballot.message]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.size).toBe(ballot.message.length / 2);
    expect(report.protected).toEqual({ alg: "-8 (EdDSA)", kid: "admin.example.org/clerk", bytes: ballot.protected.length / 2 });
    expect(report.payload.title).toBe("Approve the 2026 accounts — €, ü, 日本");
    expect(report.type).toBe("ballot");
    expect(report.verdict).toMatch(/^ok/);
  });

  it("inspect names the structural rule a message breaks", () => {
    const c = invalid.find((x) => x.name === "map keys in length-first (RFC 7049) order")!;
    const run = signet(["msg", "inspect", c.message]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).verdict).toMatch(/^malformed: payload: map keys not in bytewise order/);
  });
});
