// The protocol on Moddable's XS engine, the board's JavaScript engine: every
// vector byte-identical to Node's, every invalid case refused for the same reason.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runOnXs, xsAvailable } from "../../simulator/xs/runner.ts";
import type { Vector } from "../vectors/build.ts";

const vectors = JSON.parse(readFileSync(new URL("../vectors/messages.json", import.meta.url), "utf8")) as Vector[];
const invalid = JSON.parse(readFileSync(new URL("../vectors/invalid.json", import.meta.url), "utf8")) as { name: string; reason: string; code: string | null }[];

describe("the protocol on XS", () => {
  it("has an XS engine built by npm install", () => {
    expect(xsAvailable()).toBe(true);
  });

  it("produces every vector byte for byte and refuses every invalid case for the same reason as Node", async () => {
    const { result } = await runOnXs<{ vectors: Vector[]; verdicts: { name: string; reason: string; code: string | null }[] }>(
      new URL("./xs/protocol.xs.ts", import.meta.url).pathname,
      { invalid },
    );
    expect(result.vectors).toEqual(vectors);
    expect(result.verdicts.map(({ name, reason, code }) => ({ name, reason, code }))).toEqual(invalid.map(({ name, reason, code }) => ({ name, reason, code })));
  });
});
