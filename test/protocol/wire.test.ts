import { describe, expect, it } from "vitest";
import {
  ballotTopic,
  buildTopic,
  checkId,
  deviceSubscriptions,
  deviceTopic,
  encodeEntry,
  decodeEntry,
  fromHex,
  gatewayStateTopic,
  gatewayUplinkFilter,
  isId,
  jsonFromCbor,
  cborFromJson,
  encodeCbor,
  decodeCbor,
  leafHash,
  normalizeReceiptCode,
  parseTopic,
  receiptCode,
  receiptPrefix,
  toHex,
  utf8Encode,
} from "../../firmware/protocol/index.ts";

describe("identifiers (PROTOCOL §1)", () => {
  it.each([
    ["site", "town-hall", true],
    ["site", "a", false],
    ["site", "-town", false],
    ["site", "Town", false],
    ["site", "town-hall\n", false],
    ["device", "kiosk-07", true],
    ["device", "k".repeat(32), true],
    ["device", "k".repeat(33), false],
    ["ballot", "agm-2026.item-3", true],
    ["ballot", "a", true],
    ["ballot", ".agm", false],
    ["option", "yes", true],
    ["option", "_", true],
    ["option", "Yes", false],
    ["voter", "shareholder-118", true],
    ["voter", "Anna.B_2", true],
    ["voter", "anna b", false],
    ["roll", "agm-2026", true],
    ["key name", "signet.example.org/town-hall", true],
    ["key name", "a+b", false],
    ["key name", "a b", false],
    ["key name", "é", false],
    ["key name", "k".repeat(65), false],
  ] as const)("%s %j → %s", (kind, value, ok) => {
    expect(isId(kind, value)).toBe(ok);
  });

  it("names the grammar when an id is refused", () => {
    expect(() => checkId("device", "Kiosk")).toThrow(/not a valid device id/);
  });
});

describe("topics (PROTOCOL §5)", () => {
  it("builds and parses every topic", () => {
    expect(deviceTopic("town-hall", "kiosk-07", "vote")).toBe("signet/v1/town-hall/kiosk-07/vote");
    expect(ballotTopic("town-hall", "agm-2026.item-3")).toBe("signet/v1/town-hall/_ballots/agm-2026.item-3");
    expect(gatewayStateTopic("town-hall")).toBe("signet/v1/town-hall/_gateway/state");
    for (const name of ["signet/v1/town-hall/kiosk-07/ack", "signet/v1/town-hall/_ballots/agm", "signet/v1/town-hall/_gateway/state"]) {
      const topic = parseTopic(name);
      expect(topic).not.toBeNull();
      expect(buildTopic(topic!)).toBe(name);
    }
    expect(parseTopic("signet/v1/town-hall/kiosk-07/reading")).toEqual({ kind: "device", site: "town-hall", dev: "kiosk-07", channel: "reading" });
  });

  it("refuses foreign or malformed topics", () => {
    for (const name of ["signet/v2/town-hall/kiosk-07/vote", "signet/v1/town-hall/kiosk-07/tally", "signet/v1/Town/kiosk-07/vote", "signet/v1/town-hall/kiosk-07/vote/x", "signet/v1/town-hall/_gateway/ack", "signet/v1/town-hall/+/vote"])
      expect(parseTopic(name)).toBeNull();
  });

  it("lists what a device and a gateway subscribe to", () => {
    expect(deviceSubscriptions("town-hall", "kiosk-07")).toEqual([
      "signet/v1/town-hall/kiosk-07/ack",
      "signet/v1/town-hall/_ballots/#",
      "signet/v1/town-hall/_gateway/state",
    ]);
    expect(gatewayUplinkFilter("town-hall")).toBe("signet/v1/town-hall/+/+");
  });
});

describe("receipt codes (PROTOCOL §7.5)", () => {
  it("are RFC 4648 base32 of the first 5 bytes, grouped 4-4", () => {
    // RFC 4648 §10: BASE32("fooba") = "MZXW6YTB".
    expect(receiptCode(utf8Encode("fooba"))).toBe("MZXW-6YTB");
    expect(receiptCode(fromHex("0000000000ff"))).toBe("AAAA-AAAA");
    expect(receiptCode(fromHex("ffffffffff"))).toBe("7777-7777");
  });

  it("are accepted with or without the dash, in either case", () => {
    for (const input of ["MZXW-6YTB", "mzxw6ytb", " Mzxw-6ytB "]) expect(normalizeReceiptCode(input)).toBe("MZXW-6YTB");
    for (const input of ["MZXW-6YT", "MZXW-6YT1", "MZ-XW6YTB-", ""]) expect(normalizeReceiptCode(input)).toBeNull();
    expect(toHex(receiptPrefix("mzxw-6ytb"))).toBe(toHex(utf8Encode("fooba")));
  });
});

describe("ledger entries (PROTOCOL §7.1)", () => {
  it("encode deterministically and hash as RFC 9162 leaves", () => {
    const entry = { at: 1790000000123, k: "msg" as const, cose: fromHex("d2") };
    const bytes = encodeEntry(entry);
    expect(toHex(bytes)).toBe("a3" + "616b" + "636d7367" + "626174" + "1b000001a0c4506c7b" + "64636f7365" + "41d2");
    expect(decodeEntry(bytes)).toEqual(entry);
    // SHA-256(0x00 ‖ entry); the empty entry gives RFC 6962's well-known empty-leaf hash.
    expect(toHex(leafHash(new Uint8Array(0)))).toBe("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  });

  it("refuses an unknown kind", () => {
    expect(() => decodeEntry(encodeCbor({ at: 1, k: "note", cose: new Uint8Array(1) }))).toThrow(/entry\.k/);
  });
});

describe("the JSON view", () => {
  it("maps bytes to $hex, big integers to $int, and back", () => {
    const value = decodeCbor(encodeCbor({ a: fromHex("00ff"), b: 2n ** 60n, c: [1, "x"] }));
    const json = jsonFromCbor(value);
    expect(json).toEqual({ a: { $hex: "00ff" }, b: { $int: "1152921504606846976" }, c: [1, "x"] });
    expect(toHex(encodeCbor(cborFromJson(json)))).toBe(toHex(encodeCbor(value as never)));
  });

  it("names what has no CBOR form", () => {
    expect(() => cborFromJson({ a: [1, 2.5] })).toThrow("$.a[1]: 2.5 is not an integer");
    expect(() => cborFromJson({ a: true })).toThrow(/\$\.a: boolean has no CBOR form/);
    expect(() => cborFromJson({ $hex: "0g" })).toThrow(/not a hex digit/);
  });
});

describe("the entry encoder's fast path", () => {
  it("writes exactly what the general deterministic encoder writes", () => {
    for (const at of [0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 1790000000123, Number.MAX_SAFE_INTEGER])
      for (const size of [0, 1, 23, 24, 255, 256, 1024, 70000])
        for (const k of ["msg", "ballot", "config", "device", "roll", "tally", "rollup"] as const) {
          const cose = new Uint8Array(size).fill(size & 255);
          expect(toHex(encodeEntry({ at, k, cose }))).toBe(toHex(encodeCbor({ at, k, cose })));
        }
  });

  it("refuses what is not an entry", () => {
    expect(() => encodeEntry({ at: -1, k: "msg", cose: new Uint8Array(1) })).toThrow(/not an unsigned integer/);
    expect(() => encodeEntry({ at: 1, k: "note" as never, cose: new Uint8Array(1) })).toThrow(/unknown/);
  });
});
