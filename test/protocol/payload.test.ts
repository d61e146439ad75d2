import { describe, expect, it } from "vitest";
import {
  NACK_REASONS,
  ProtocolError,
  decodeCbor,
  encodePayload,
  parsePayload,
  type Payload,
} from "../../firmware/protocol/index.ts";
import { VECTOR_INPUTS } from "../vectors/inputs.ts";

const base = Object.fromEntries(VECTOR_INPUTS.map((v) => [v.name, v.payload])) as { [name: string]: Payload };

function problem(payload: object): string {
  try {
    parsePayload(payload as never);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).reason).toBe("bad-payload");
    return (e as Error).message;
  }
  throw new Error("payload was accepted");
}

describe("payload validation (PROTOCOL §4)", () => {
  it.each(VECTOR_INPUTS)("accepts the $name vector and round-trips it", ({ payload }) => {
    expect(parsePayload(decodeCbor(encodePayload(payload)))).toEqual(parsePayload(payload as never));
  });

  it("names the missing, extra or mistyped key", () => {
    const { auth: _auth, ...noAuth } = base.vote as { auth: string };
    expect(problem(noAuth)).toBe('vote: missing key "auth"');
    expect(problem({ ...base.vote, colour: "red" })).toBe('vote: unknown key "colour"');
    expect(problem({ ...base.vote, seq: "7" })).toBe("vote.seq: must be an unsigned integer");
    expect(problem({ ...base.vote, choice: "Yes!" })).toMatch(/^vote\.choice: "Yes!" is not a valid option id/);
  });

  it("refuses an unknown version or type with bad-payload", () => {
    expect(problem({ ...base.vote, v: 2 })).toBe("payload.v: unknown protocol version 2");
    expect(problem({ ...base.vote, t: "poll" })).toBe('payload.t: unknown message type "poll"');
    expect(problem({ t: "vote" })).toBe('payload: missing key "v"');
  });

  it("keeps seq within 1 … 2^53 − 1", () => {
    expect(problem({ ...base.vote, seq: 0 })).toMatch(/vote\.seq: 0 is outside 1/);
    expect(problem({ ...base.vote, seq: 2n ** 53n })).toBe("vote.seq: integer above 2^53 − 1");
  });

  it("checks a reading's channel, counts, constant, interval and clock", () => {
    expect(problem({ ...base.reading, ch: 8 })).toMatch(/reading\.ch: 8 is outside 0 … 7/);
    expect(problem({ ...base.reading, d: 200000 })).toMatch(/reading\.d: 200000 is above count/);
    expect(problem({ ...base.reading, imp: 0 })).toMatch(/reading\.imp/);
    expect(problem({ ...base.reading, to: 1790000000 })).toMatch(/is empty/);
    expect(problem({ ...base.reading, to: 1790000000 + 86401 })).toMatch(/longer than 86400/);
    expect(problem({ ...base.reading, ts: 0 })).toMatch(/synchronised clock/);
  });

  it("accepts a status with or without heap", () => {
    const { heap: _heap, ...noHeap } = base.status as { heap: number };
    expect(parsePayload(noHeap as never).t).toBe("status");
  });

  it("checks ack codes and sizes, and nack reasons", () => {
    expect(problem({ ...base.ack, code: "LH4XZ7H5" })).toMatch(/not a receipt code/);
    expect(problem({ ...base.ack, size: 41 })).toMatch(/does not include leaf 41/);
    expect(problem({ ...base.nack, reason: "duplicate" })).toMatch(/must be one of/);
    expect(problem({ ...base.nack, reason: "bad-signature" })).toMatch(/must be one of/);
    expect(NACK_REASONS).toContain("topic-mismatch");
    expect(NACK_REASONS).toContain("counter-regressed");
  });

  it("checks a ballot's options, window, rule and quorum", () => {
    const b = base.ballot as Extract<Payload, { t: "ballot" }>;
    expect(problem({ ...b, options: b.options.slice(0, 1) })).toMatch(/must have 2 … 16 items, got 1/);
    expect(problem({ ...b, options: [...b.options, { id: "yes", label: "Yes again" }] })).toMatch(/options\[3\]\.id: "yes" is used twice/);
    expect(problem({ ...b, options: [...b.options, { id: "tie", label: "Tie" }] })).toMatch(/reserved/);
    expect(problem({ ...b, closes: b.opens })).toMatch(/closes .* is not after opens/);
    expect(problem({ ...b, rule: { kind: "threshold", option: "maybe", num: 1, den: 2, base: "cast" } })).toMatch(/not one of the ballot's options/);
    expect(problem({ ...b, rule: { kind: "threshold", option: "yes", num: 3, den: 2, base: "cast" } })).toMatch(/num 3 is above den 2/);
    expect(problem({ ...b, rule: { kind: "threshold", option: "yes", num: 1, den: 2, base: "all" } })).toMatch(/base/);
    expect(problem({ ...b, rule: { kind: "plurality", option: "yes" } })).toMatch(/unknown key "option"/);
    expect(problem({ ...b, rule: { kind: "approval" } })).toMatch(/must be "plurality" or "threshold"/);
    expect(problem({ ...b, quorum: { num: 2, den: 1 } })).toMatch(/num 2 is above den 1/);
    expect(problem({ ...b, quorum: { num: 0, den: 0 } })).toMatch(/quorum\.den/);
  });

  it("checks gateway records: key lengths, statuses, hours, dictionaries", () => {
    const d = base.device as Extract<Payload, { t: "device" }>;
    expect(problem({ ...d, pub: d.pub.subarray(1) })).toMatch(/device\.pub: ES256 key must be 65 bytes, got 64/);
    expect(problem({ ...d, status: "lost" })).toMatch(/device\.status/);
    expect(problem({ ...base.rollup, from: 1789999201 })).toMatch(/whole hours/);
    expect(problem({ ...base.tally, counts: { "Not An Id": 1 } })).toMatch(/not a valid option id/);
    expect(problem({ ...base.roll, sha256: new Uint8Array(31) })).toMatch(/must be 32 bytes/);
    expect(problem({ ...base.roll, weight: 2 })).toMatch(/below the number of voters/);
  });

  it("treats an option named __proto__ as an ordinary key", () => {
    const counts = decodeCbor(encodePayload({ ...(base.tally as Extract<Payload, { t: "tally" }>), counts: JSON.parse('{"__proto__": 5, "no": 1}') }));
    const parsed = parsePayload(counts) as Extract<Payload, { t: "tally" }>;
    expect(Object.keys(parsed.counts).sort()).toEqual(["__proto__", "no"]);
    expect(parsed.counts["__proto__"]).toBe(5);
  });

  it("restricts the types accepted where asked (a device topic takes uplinks only)", () => {
    expect(() => parsePayload(base.ack as never, ["vote", "reading", "status"])).toThrow(/"ack" is not allowed here/);
  });

  it("refuses to encode an invalid payload", () => {
    expect(() => encodePayload({ ...(base.vote as Extract<Payload, { t: "vote" }>), voter: "" })).toThrow(ProtocolError);
  });
});
