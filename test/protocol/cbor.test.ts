import { describe, expect, it } from "vitest";
import { CborError, decodeCbor, encodeCbor, fromHex, toHex, type CborInput } from "../../firmware/protocol/index.ts";

// RFC 8949 Appendix A examples within Signet's subset (no floats, simple values or tags).
const APPENDIX_A: [CborInput, string][] = [
  [0, "00"],
  [1, "01"],
  [10, "0a"],
  [23, "17"],
  [24, "1818"],
  [25, "1819"],
  [100, "1864"],
  [1000, "1903e8"],
  [1000000, "1a000f4240"],
  [1000000000000, "1b000000e8d4a51000"],
  [18446744073709551615n, "1bffffffffffffffff"],
  [-18446744073709551616n, "3bffffffffffffffff"],
  [-1, "20"],
  [-10, "29"],
  [-100, "3863"],
  [-1000, "3903e7"],
  [new Uint8Array(0), "40"],
  [fromHex("01020304"), "4401020304"],
  ["", "60"],
  ["a", "6161"],
  ["IETF", "6449455446"],
  ['"\\', "62225c"],
  ["\u00fc", "62c3bc"],
  ["\u6c34", "63e6b0b4"],
  ["\ud800\udd51", "64f0908591"],
  [[], "80"],
  [[1, 2, 3], "83010203"],
  [[1, [2, 3], [4, 5]], "8301820203820405"],
  [Array.from({ length: 25 }, (_, i) => i + 1), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"],
  [new Map(), "a0"],
  [new Map([[1, 2], [3, 4]]), "a201020304"],
  [{ a: 1, b: [2, 3] }, "a26161016162820203"],
  [["a", { b: "c" }], "826161a161626163"],
  [{ a: "A", b: "B", c: "C", d: "D", e: "E" }, "a56161614161626142616361436164614461656145"],
];

describe("deterministic CBOR (RFC 8949 §4.2.1)", () => {
  it.each(APPENDIX_A)("encodes and decodes the RFC 8949 Appendix A example %#", (value, hex) => {
    expect(toHex(encodeCbor(value))).toBe(hex);
    expect(toHex(encodeCbor(decodeCbor(fromHex(hex)) as CborInput))).toBe(hex);
  });

  it("sorts map keys bytewise by their encoding, not length-first", () => {
    // RFC 8949 §4.2.1's own example: 10, 100, -1, "z", "aa" (length-first would put -1 before 100).
    const map = new Map<number | string, number>([["aa", 5], ["z", 4], [-1, 3], [100, 2], [10, 1]]);
    expect(toHex(encodeCbor(map))).toBe("a5" + "0a01" + "186402" + "2003" + "617a04" + "62616105");
  });

  it("decodes integers beyond 2^53 − 1 as bigint and the rest as numbers", () => {
    expect(decodeCbor(fromHex("1b001fffffffffffff"))).toBe(2 ** 53 - 1);
    expect(decodeCbor(fromHex("1b0020000000000000"))).toBe(2n ** 53n);
    expect(decodeCbor(fromHex("3b001ffffffffffffe"))).toBe(-(2 ** 53 - 1));
    expect(decodeCbor(fromHex("3b001fffffffffffff"))).toBe(-(2n ** 53n));
  });

  it("decodes maps to Map, keeping integer and text keys apart", () => {
    const map = decodeCbor(fromHex("a2" + "0102" + "6131" + "03")) as Map<unknown, unknown>;
    expect(map.get(1)).toBe(2);
    expect(map.get("1")).toBe(3);
  });

  it("refuses to encode floats, unsafe numbers, lone surrogates and duplicate keys", () => {
    expect(() => encodeCbor(1.5)).toThrow(/floats are not allowed/);
    expect(() => encodeCbor(2 ** 60)).toThrow(CborError);
    expect(() => encodeCbor("\ud800")).toThrow(/lone surrogate/);
    expect(() => encodeCbor(new Map<CborInput & (number | string), number>([[1, 1], [1n as unknown as number, 2]]))).toThrow(/duplicate/);
    expect(() => encodeCbor(null as unknown as CborInput)).toThrow(/cannot encode/);
  });

  const STRICT: [string, string, string][] = [
    ["float16", "f93c00", "float"],
    ["float32", "fa47c35000", "float"],
    ["float64", "fb3ff199999999999a", "float"],
    ["false", "f4", "simple"],
    ["true", "f5", "simple"],
    ["null", "f6", "simple"],
    ["undefined", "f7", "simple"],
    ["simple(16)", "f0", "simple"],
    ["simple(255)", "f8ff", "simple"],
    ["tag 1 (epoch time)", "c11a514b67b0", "tag"],
    ["tag 18 not outermost", "d28440a04040", "tag"],
    ["indefinite byte string", "5f42010243030405ff", "indefinite"],
    ["indefinite text string", "7f657374726561646d696e67ff", "indefinite"],
    ["indefinite array", "9f018202039f0405ffff", "indefinite"],
    ["indefinite map", "bf61610161629f0203ffff", "indefinite"],
    ["lone break", "ff", "indefinite"],
    ["uint 0 in one extra byte", "1800", "non-shortest"],
    ["uint 23 in one extra byte", "1817", "non-shortest"],
    ["uint 255 in two bytes", "1900ff", "non-shortest"],
    ["uint 65535 in four bytes", "1a0000ffff", "non-shortest"],
    ["uint 2^32 − 1 in eight bytes", "1b00000000ffffffff", "non-shortest"],
    ["negative in a long form", "3800", "non-shortest"],
    ["length in a long form", "5801ff", "non-shortest"],
    ["array count in a long form", "980100", "non-shortest"],
    ["unsorted keys", "a2616201616101", "unsorted-keys"],
    ["length-first order (-1 before 24)", "a2200118180" + "2", "unsorted-keys"],
    ["duplicate keys", "a2616101616102", "duplicate-key"],
    ["duplicate integer keys", "a201010102", "duplicate-key"],
    ["byte string key", "a1410001", "bad-key-type"],
    ["array key", "a1800001", "bad-key-type"],
    ["overlong UTF-8", "62c0af", "invalid-utf8"],
    ["UTF-8 surrogate", "63eda080", "invalid-utf8"],
    ["UTF-8 above U+10FFFF", "64f4908080", "invalid-utf8"],
    ["truncated UTF-8", "62e282", "invalid-utf8"],
    ["bare continuation byte", "6180", "invalid-utf8"],
    ["empty input", "", "truncated"],
    ["truncated integer", "1901", "truncated"],
    ["byte string longer than the input", "4401", "truncated"],
    ["array count beyond the input", "9b00000001000000000000", "truncated"],
    ["map count beyond the input", "a3010203", "truncated"],
    ["trailing bytes", "0000", "trailing-bytes"],
    ["reserved additional information 28", "1c", "reserved"],
    ["additional information 31 on an integer", "1f", "reserved"],
    ["nesting deeper than 16", "81".repeat(17) + "00", "too-deep"],
  ];

  it.each(STRICT)("rejects %s with its own error", (_name, hex, code) => {
    let error: unknown;
    try {
      decodeCbor(fromHex(hex));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CborError);
    expect((error as CborError).code).toBe(code);
    expect((error as CborError).reason).toBe("malformed");
  });

  it("says where the problem is", () => {
    expect(() => decodeCbor(fromHex("820118"))).toThrow(/at byte 2/);
  });

  it("accepts tag 18 only outermost and only when asked", () => {
    expect(decodeCbor(fromHex("d28440a04040"), { sign1: true })).toEqual([new Uint8Array(0), new Map(), new Uint8Array(0), new Uint8Array(0)]);
    expect(() => decodeCbor(fromHex("d28440a04040"))).toThrow(CborError);
    expect(() => decodeCbor(fromHex("d2d28440a04040"), { sign1: true })).toThrow(/tags are not allowed/);
  });
});
