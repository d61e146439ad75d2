import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { formatRoll, parseRoll, RollError } from "../../gateway/ballots/roll.ts";

const file = (text: string) => new TextEncoder().encode(text);

function rollProblem(text: string): string {
  try {
    parseRoll(file(text));
  } catch (e) {
    expect(e).toBeInstanceOf(RollError);
    return (e as Error).message;
  }
  throw new Error("roll was accepted");
}

describe("roll files (PROTOCOL §4.6, §8)", () => {
  it("reads voters, weights, totals, hash and size", () => {
    const text = "voter,weight\nAnna,3\nben,1\nshareholder-118,250\n";
    const roll = parseRoll(file(text));
    expect([...roll.weights]).toEqual([["Anna", 3], ["ben", 1], ["shareholder-118", 250]]);
    expect(roll).toMatchObject({ voters: 3, weight: 254, size: text.length });
    expect(roll.sha256).toEqual(sha256(file(text)));
  });

  it("reports the row of every kind of bad line", () => {
    expect(rollProblem("voter;weight\nanna,1\n")).toMatch(/^roll line 1: header must be "voter,weight"/);
    expect(rollProblem("voter,weight\nanna,1")).toMatch(/^roll line 2: the last line must end in LF/);
    expect(rollProblem("voter,weight\r\nanna,1\r\n")).toMatch(/line 1: header/);
    expect(rollProblem("voter,weight\nanna,1\r\n")).toMatch(/^roll line 2: CR in line/);
    expect(rollProblem("voter,weight\nanna,1\nben\n")).toMatch(/^roll line 3: expected 2 fields/);
    expect(rollProblem("voter,weight\nanna,0\n")).toMatch(/^roll line 2: weight "0" is not an integer ≥ 1/);
    expect(rollProblem("voter,weight\nanna,1.5\n")).toMatch(/line 2: weight "1.5"/);
    expect(rollProblem("voter,weight\nanna,01\n")).toMatch(/line 2: weight "01"/);
    expect(rollProblem("voter,weight\nanna b,1\n")).toMatch(/^roll line 2: "anna b" is not a valid voter id/);
    expect(rollProblem("voter,weight\nben,1\nanna,1\n")).toMatch(/^roll line 3: voter anna is out of order/);
    expect(rollProblem("voter,weight\nanna,1\nanna,2\n")).toMatch(/^roll line 3: voter anna is listed twice/);
    expect(rollProblem("voter,weight\n")).toMatch(/no voters/);
    expect(rollProblem("")).toMatch(/empty file/);
    expect(rollProblem("voter,weight\nanna,9007199254740992\n")).toMatch(/above 2\^53/);
  });

  it("sorts by bytes, so upper case comes before lower case", () => {
    expect(() => parseRoll(file("voter,weight\nZed,1\nanna,1\n"))).not.toThrow();
    expect(new TextDecoder().decode(formatRoll([["anna", 1], ["Zed", 2]]))).toBe("voter,weight\nZed,2\nanna,1\n");
  });
});
