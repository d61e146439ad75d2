// The payloads of PROTOCOL §4: types, validators and the encoder that refuses
// to put an invalid payload on the wire.
import { encodeCbor, type CborInput } from "./cbor";
import { REJECT_REASONS, type RejectReason } from "./errors";
import { array, bytes, dictionary, exact, fail, id, oneOf, record, text, uint, mapEntries, type Check, type Field, MAX_UINT } from "./fields";
import { isId } from "./ids";
import { RECEIPT_CODE } from "./receipt";
import { ALG_ES256, isAlg, publicKeyLength, type Alg } from "./sig";

export const PROTOCOL_VERSION = 1;

export type AuthMethod = "pin" | "fp" | "pin+fp";
export const AUTH_METHODS: readonly AuthMethod[] = ["pin", "fp", "pin+fp"];

interface DeviceFields {
  readonly v: 1;
  readonly dev: string;
  readonly seq: number;
  readonly ts: number;
}

export interface Vote extends DeviceFields {
  readonly t: "vote";
  readonly ballot: string;
  readonly choice: string;
  readonly voter: string;
  readonly auth: AuthMethod;
}

export interface Reading extends DeviceFields {
  readonly t: "reading";
  readonly ch: number;
  readonly count: number;
  readonly d: number;
  readonly imp: number;
  readonly from: number;
  readonly to: number;
}

export interface Status extends DeviceFields {
  readonly t: "status";
  readonly fw: string;
  readonly up: number;
  readonly outbox: number;
  readonly heap?: number;
}

export interface Ack {
  readonly v: 1;
  readonly t: "ack";
  readonly ts: number;
  readonly dev: string;
  readonly seq: number;
  readonly leaf: number;
  readonly size: number;
  readonly code: string;
}

export interface Nack {
  readonly v: 1;
  readonly t: "nack";
  readonly ts: number;
  readonly dev: string;
  readonly seq: number;
  readonly reason: RejectReason;
}

export interface BallotOption {
  readonly id: string;
  readonly label: string;
}

export type BallotRule =
  | { readonly kind: "plurality" }
  | { readonly kind: "threshold"; readonly option: string; readonly num: number; readonly den: number; readonly base: "cast" | "eligible" };

export interface Fraction {
  readonly num: number;
  readonly den: number;
}

export interface Ballot {
  readonly v: 1;
  readonly t: "ballot";
  readonly ts: number;
  readonly id: string;
  readonly rev: number;
  readonly title: string;
  readonly options: readonly BallotOption[];
  readonly opens: number;
  readonly closes: number;
  readonly rule: BallotRule;
  readonly quorum: Fraction;
  readonly roll: string;
}

export interface AdminKey {
  readonly kid: string;
  readonly alg: Alg;
  readonly pub: Uint8Array;
}

export interface ConfigRecord {
  readonly v: 1;
  readonly t: "config";
  readonly ts: number;
  readonly origin: string;
  readonly admins: readonly AdminKey[];
}

export interface DeviceRecord {
  readonly v: 1;
  readonly t: "device";
  readonly ts: number;
  readonly dev: string;
  readonly site: string;
  readonly alg: Alg;
  readonly pub: Uint8Array;
  readonly status: "active" | "revoked";
}

export interface RollRecord {
  readonly v: 1;
  readonly t: "roll";
  readonly ts: number;
  readonly id: string;
  readonly rev: number;
  readonly sha256: Uint8Array;
  readonly size: number;
  readonly voters: number;
  readonly weight: number;
}

export interface TallyRecord {
  readonly v: 1;
  readonly t: "tally";
  readonly ts: number;
  readonly ballot: string;
  readonly rev: number;
  readonly counts: { readonly [option: string]: number };
  readonly turnout: number;
  readonly eligible: number;
  readonly quorum: "met" | "missed";
  readonly outcome: string;
  readonly size: number;
}

export interface RollupRecord {
  readonly v: 1;
  readonly t: "rollup";
  readonly ts: number;
  readonly site: string;
  readonly from: number;
  readonly to: number;
  readonly wh: { readonly [dev: string]: number };
}

export type DeviceMessage = Vote | Reading | Status;
export type GatewayAnswer = Ack | Nack;
export type GatewayRecord = ConfigRecord | DeviceRecord | RollRecord | TallyRecord | RollupRecord;
export type Payload = DeviceMessage | GatewayAnswer | Ballot | GatewayRecord;
export type PayloadType = Payload["t"];

export const DEVICE_MESSAGE_TYPES: readonly DeviceMessage["t"][] = ["vote", "reading", "status"];
export const GATEWAY_RECORD_TYPES: readonly GatewayRecord["t"][] = ["config", "device", "roll", "tally", "rollup"];
export const PAYLOAD_TYPES: readonly PayloadType[] = ["vote", "reading", "status", "ack", "nack", "ballot", ...GATEWAY_RECORD_TYPES];

/** Outcome words of a tally that are not option ids; reserved, so no option may use them (§4.5). */
export const RESERVED_OUTCOMES = ["tie", "no-quorum", "adopted", "rejected"] as const;

/** Reasons a nack may carry: rule 7 onward, except `duplicate`, which is answered by the original ack (§6). */
export const NACK_REASONS: readonly RejectReason[] = REJECT_REASONS.slice(REJECT_REASONS.indexOf("topic-mismatch")).filter((r) => r !== "duplicate");

const version = exact(PROTOCOL_VERSION) as Check<1>;
const ts = uint();
const seq = uint(1);
const common = { v: version, ts };
const deviceCommon = { ...common, dev: id("device"), seq };

const alg: Check<Alg> = (value, path) => {
  if (!isAlg(value)) fail(path, "must be -7 (ES256) or -8 (EdDSA)");
  return value;
};

function keyed<T extends { alg: Alg; pub: Uint8Array }>(value: T, path: string): T {
  if (value.pub.length !== publicKeyLength(value.alg))
    fail(`${path}.pub`, `${value.alg === ALG_ES256 ? "ES256" : "EdDSA"} key must be ${publicKeyLength(value.alg)} bytes, got ${value.pub.length}`);
  return value;
}

const optionEntry: Check<BallotOption> = (value, path) => {
  const option = record(value, path, { id: id("option"), label: text });
  if ((RESERVED_OUTCOMES as readonly string[]).includes(option.id)) fail(`${path}.id`, `"${option.id}" is reserved for tally outcomes`);
  return option;
};

const fraction = (lowest: number): Check<Fraction> => (value, path) => {
  const f = record(value, path, { num: uint(lowest), den: uint(1) });
  if (f.num > f.den) fail(path, `num ${f.num} is above den ${f.den}`);
  return f;
};

const rule: Check<BallotRule> = (value, path) => {
  const kind = mapEntries(value, path).find(([k]) => k === "kind")?.[1];
  if (kind === "plurality") return record(value, path, { kind: exact("plurality") });
  if (kind === "threshold") {
    const r = record(value, path, { kind: exact("threshold"), option: id("option"), num: uint(1), den: uint(1), base: oneOf(["cast", "eligible"] as const) });
    if (r.num > r.den) fail(path, `num ${r.num} is above den ${r.den}`);
    return r;
  }
  return fail(`${path}.kind`, `must be "plurality" or "threshold"`);
};

const adminKey: Check<AdminKey> = (value, path) => keyed(record(value, path, { kid: id("key name"), alg, pub: bytes() }), path);

type Validator = (value: Field, path: string) => Payload;

const VALIDATORS: { readonly [T in PayloadType]: Validator } = {
  vote: (value, path) =>
    record(value, path, {
      ...deviceCommon,
      t: exact("vote"),
      ballot: id("ballot"),
      choice: id("option"),
      voter: id("voter"),
      auth: oneOf(AUTH_METHODS),
    }),
  reading: (value, path) => {
    const r = record(value, path, {
      ...deviceCommon,
      t: exact("reading"),
      ch: uint(0, 7),
      count: uint(),
      d: uint(),
      imp: uint(1),
      from: uint(),
      to: uint(),
    });
    if (r.ts === 0) fail(`${path}.ts`, "a reading needs a synchronised clock (ts = 0)");
    if (r.d > r.count) fail(`${path}.d`, `${r.d} is above count ${r.count}`);
    if (!(r.from < r.to)) fail(`${path}.to`, `interval [${r.from}, ${r.to}) is empty`);
    if (r.to > r.from + 86400) fail(`${path}.to`, `interval [${r.from}, ${r.to}) is longer than 86400 s`);
    return r;
  },
  status: (value, path) =>
    record(value, path, { ...deviceCommon, t: exact("status"), fw: text, up: uint(), outbox: uint() }, { heap: uint() }),
  ack: (value, path) => {
    const a = record(value, path, {
      ...common,
      t: exact("ack"),
      dev: id("device"),
      seq,
      leaf: uint(),
      size: uint(1),
      code: (v, p) => {
        const code = text(v, p);
        if (!RECEIPT_CODE.test(code)) fail(p, `${JSON.stringify(code)} is not a receipt code (ABCD-EFGH)`);
        return code;
      },
    });
    if (a.leaf >= a.size) fail(`${path}.size`, `checkpoint size ${a.size} does not include leaf ${a.leaf}`);
    return a;
  },
  nack: (value, path) => record(value, path, { ...common, t: exact("nack"), dev: id("device"), seq, reason: oneOf(NACK_REASONS) }),
  ballot: (value, path) => {
    const b = record(value, path, {
      ...common,
      t: exact("ballot"),
      id: id("ballot"),
      rev: uint(1),
      title: text,
      options: array(optionEntry, 2, 16),
      opens: uint(),
      closes: uint(),
      rule,
      quorum: fraction(0),
      roll: id("roll"),
    });
    const ids = b.options.map((o) => o.id);
    ids.forEach((o, i) => {
      if (ids.indexOf(o) !== i) fail(`${path}.options[${i}].id`, `"${o}" is used twice`);
    });
    if (!(b.opens < b.closes)) fail(`${path}.closes`, `closes ${b.closes} is not after opens ${b.opens}`);
    if (b.rule.kind === "threshold" && !ids.includes(b.rule.option))
      fail(`${path}.rule.option`, `"${b.rule.option}" is not one of the ballot's options`);
    return b;
  },
  config: (value, path) => {
    const c = record(value, path, { ...common, t: exact("config"), origin: id("key name"), admins: array(adminKey, 0, 64) });
    const kids = c.admins.map((a) => a.kid);
    kids.forEach((k, i) => {
      if (kids.indexOf(k) !== i) fail(`${path}.admins[${i}].kid`, `"${k}" is listed twice`);
    });
    return c;
  },
  device: (value, path) =>
    keyed(
      record(value, path, { ...common, t: exact("device"), dev: id("device"), site: id("site"), alg, pub: bytes(), status: oneOf(["active", "revoked"] as const) }),
      path,
    ),
  roll: (value, path) => {
    const r = record(value, path, { ...common, t: exact("roll"), id: id("roll"), rev: uint(1), sha256: bytes(32), size: uint(), voters: uint(1), weight: uint(1) });
    if (r.weight < r.voters) fail(`${path}.weight`, `total weight ${r.weight} is below the number of voters ${r.voters} (weights are ≥ 1)`);
    return r;
  },
  tally: (value, path) => {
    return record(value, path, {
      ...common,
      t: exact("tally"),
      ballot: id("ballot"),
      rev: uint(1),
      counts: dictionary("option", uint()),
      turnout: uint(),
      eligible: uint(),
      quorum: oneOf(["met", "missed"] as const),
      outcome: (v, p) => {
        const o = text(v, p);
        if (!(RESERVED_OUTCOMES as readonly string[]).includes(o) && !isId("option", o)) fail(p, `${JSON.stringify(o)} is neither an option id nor an outcome word`);
        return o;
      },
      size: uint(),
    });
  },
  rollup: (value, path) => {
    const r = record(value, path, { ...common, t: exact("rollup"), site: id("site"), from: uint(), to: uint(), wh: dictionary("device", uint()) });
    if (r.from % 3600 !== 0 || r.to % 3600 !== 0) fail(`${path}.from`, "a rollup covers whole hours");
    if (!(r.from < r.to)) fail(`${path}.to`, `interval [${r.from}, ${r.to}) is empty`);
    return r;
  },
};

/**
 * Validates a payload (decoded map or plain object) against §4 and returns it
 * typed. `allowed` restricts the types accepted (e.g. the uplink types on a
 * device topic). Throws ProtocolError("bad-payload") naming the field.
 */
export function parsePayload<T extends PayloadType = PayloadType>(value: Field, allowed?: readonly T[]): Extract<Payload, { t: T }> {
  const entries = mapEntries(value, "payload");
  const v = entries.find(([k]) => k === "v")?.[1];
  if (v === undefined) fail("payload", 'missing key "v"');
  if (v !== PROTOCOL_VERSION) fail("payload.v", `unknown protocol version ${typeof v === "number" || typeof v === "bigint" ? String(v) : "(not an integer)"}`);
  const t = entries.find(([k]) => k === "t")?.[1];
  if (t === undefined) fail("payload", 'missing key "t"');
  if (typeof t !== "string" || !(PAYLOAD_TYPES as readonly string[]).includes(t)) fail("payload.t", `unknown message type ${JSON.stringify(t)}`);
  if (allowed && !(allowed as readonly string[]).includes(t)) fail("payload.t", `"${t}" is not allowed here (expected ${allowed.join(", ")})`);
  return VALIDATORS[t as PayloadType](value, t) as Extract<Payload, { t: T }>;
}

/** Validates and encodes a payload in deterministic CBOR. */
export function encodePayload(payload: Payload): Uint8Array {
  parsePayload(payload as unknown as Field);
  return encodeCbor(payload as unknown as CborInput);
}

/** Energy in Wh of a reading's interval (§4.2), exact as a fraction: d·1000 / imp. */
export function readingWh(reading: Pick<Reading, "d" | "imp">): number {
  return (reading.d * 1000) / reading.imp;
}

export { MAX_UINT };
