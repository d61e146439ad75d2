import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import type { Vector } from "../vectors/build.ts";
import { fuzz } from "./fuzz.ts";

const vectors = (JSON.parse(readFileSync(new URL("../vectors/messages.json", import.meta.url), "utf8")) as Vector[]).filter(
  (v) => v.alg === "EdDSA" && ["vote", "reading", "status"].includes(v.name),
);

it("50,000 random and mutated EdDSA messages: no crash, no hang, no mutated message accepted", () => {
  const report = fuzz(vectors, -8, 50_000, 0xed25);
  expect(report.crashes).toEqual([]);
  expect(report.acceptedMutations).toEqual([]);
  // The inputs reach every stage: structure, header, signature and payload checks all fire.
  for (const reason of ["malformed", "bad-header", "bad-signature", "too-large"]) expect(report.byReason[reason], reason).toBeGreaterThan(0);
  expect(Object.values(report.byReason).reduce((a, b) => a + b, 0) + report.verified).toBe(50_000);
});
