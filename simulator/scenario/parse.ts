// Reads a scenario file: YAML parsed with its line numbers kept, the shape
// checked with zod, then the cross-references (devices named by steps,
// buttons, meter channels, voters). Every problem is reported as
// `file:line: what is wrong` before anything runs. Node side only (the XS
// executor receives the checked ScenarioSpec as JSON).
import { isMap, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { AUTH_METHODS, isId } from "../../firmware/protocol/index";
import { KIOSK_PINS } from "../device";
import type { Action, BallotSpec, DeviceSpec, Expectation, LoadSpec, ScenarioSpec, StepSpec } from "./spec";

export class ScenarioError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
    this.name = "ScenarioError";
    this.file = file;
    this.line = line;
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "250ms", "90s", "5m", "1h", "1d" (a bare number is seconds) → milliseconds; negative with a leading "-". */
export function parseDuration(value: string | number): number {
  if (typeof value === "number") return Math.round(value * 1000);
  const match = /^([+-]?)(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new Error(`"${value}" is not a duration (use e.g. 250ms, 90s, 5m, 1h, 1d)`);
  const ms = Math.round(Number(match[2]) * UNITS[match[3]]);
  return match[1] === "-" ? -ms : ms;
}

const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});
const positiveDuration = duration.refine((ms) => ms > 0, "must be a duration above zero");
const id = (kind: "site" | "device" | "ballot" | "option" | "voter" | "roll") => z.string().refine((s) => isId(kind, s), `must be a ${kind} id (PROTOCOL §1)`);

const load = z.union([
  z.number().min(0).transform((watts): LoadSpec => ({ kind: "constant", watts })),
  z.literal("household").transform((): LoadSpec => ({ kind: "household", startHour: 0 })),
  z.object({ watts: z.number().min(0) }).strict().transform((l): LoadSpec => ({ kind: "constant", watts: l.watts })),
  z.object({ csv: z.string().min(1) }).strict().transform((l): LoadSpec => ({ kind: "csv", csv: l.csv })),
  z.object({ daily: z.array(z.number().min(0)).length(24), startHour: z.number().int().min(0).max(23).default(0) }).strict().transform((l): LoadSpec => ({ kind: "daily", watts: l.daily, startHour: l.startHour })),
  z.object({ household: z.literal(true), startHour: z.number().int().min(0).max(23).default(0) }).strict().transform((l): LoadSpec => ({ kind: "household", startHour: l.startHour })),
]);

const voter = z
  .object({
    number: z.number().int().min(1).max(999),
    id: id("voter"),
    pin: z.union([z.string(), z.number()]).transform(String).refine((p) => /^\d{4,8}$/.test(p), "a PIN is 4 to 8 digits").optional(),
    finger: z.string().min(1).optional(),
  })
  .strict()
  .refine((v) => v.pin !== undefined || v.finger !== undefined, "a voter needs a pin, a finger, or both");

const meter = z.object({ ch: z.number().int().min(0).max(7).default(0), imp: z.number().int().min(1).max(1_000_000).default(1000), load }).strict();

const device = z
  .object({
    id: id("device"),
    key: z.enum(["atecc608a", "software"]).default("atecc608a"),
    auth: z.enum(AUTH_METHODS as unknown as ["pin", "fp", "pin+fp"]).default("pin"),
    fingerprint: z.boolean().default(true),
    voters: z.array(voter).default([]),
    meters: z.array(meter).default([]),
    interval: duration.refine((ms) => ms % 1000 === 0 && ms >= 10_000 && ms <= 3_600_000, "the reading interval is whole seconds from 10 s to 1 h").optional(),
  })
  .strict();

const option = z.union([id("option").transform((o) => ({ id: o, label: o.charAt(0).toUpperCase() + o.slice(1) })), z.object({ id: id("option"), label: z.string().min(1) }).strict()]);

const ballot = z
  .object({
    id: id("ballot"),
    rev: z.number().int().min(1).default(1),
    title: z.string().min(1),
    options: z.array(option).min(2).max(16),
    opens: duration.default(-60_000),
    closes: duration.default(86_400_000),
    roll: id("roll").default("roll"),
    eligible: z.array(id("voter")).optional(),
  })
  .strict()
  .refine((b) => b.opens < b.closes, "opens must come before closes");

const count = z.number().int().min(0);
const expectation = z
  .object({
    display: z.string().min(1).optional(),
    shown: z.string().min(1).optional(),
    published: z
      .object({ type: z.enum(["vote", "reading", "status"]), count: count.optional(), min: count.optional(), ballot: z.string().optional(), choice: z.string().optional(), voter: z.string().optional() })
      .strict()
      .optional(),
    acked: z.object({ type: z.enum(["vote", "reading"]).optional(), count: count.optional(), min: count.optional() }).strict().optional(),
    nacked: z.string().min(1).optional(),
    receipt: z.literal(true).optional(),
    energy: z.object({ ch: z.number().int().min(0).max(7).default(0), wh: z.number().min(0).optional(), within: z.number().min(0) }).strict().optional(),
    outbox: count.optional(),
    led: z.partialRecord(z.enum(["ready", "busy", "ok", "error"]), z.enum(["on", "off", "blink"])).optional(),
    mode: z.enum(["running", "provisioning", "off"]).optional(),
  })
  .strict()
  .refine((e) => Object.keys(e).length > 0, "an expect needs at least one check: display, shown, published, acked, nacked, receipt, energy, outbox, led, mode");

const ACTIONS = ["wait", "keys", "press", "finger", "load", "link", "gateway", "power", "reboot", "clock", "expect"] as const;

const step = z
  .object({
    device: id("device").optional(),
    at: duration.refine((ms) => ms >= 0, "at is a time from the start, 0 or more").optional(),
    wait: positiveDuration.optional(),
    keys: z.union([z.string(), z.number()]).transform(String).refine((k) => /^[0-9*#]+$/.test(k), "keys are typed on a 4×3 keypad: 0-9, * and #").optional(),
    press: z.enum(Object.keys(KIOSK_PINS.buttons) as [string, ...string[]]).optional(),
    finger: z.union([z.string().min(1), z.object({ name: z.string().min(1), quality: z.enum(["good", "smudged", "partial"]).default("good") }).strict()]).optional(),
    load: z
      .union([
        z.number().min(0),
        z.literal("household"),
        z.object({ ch: z.number().int().min(0).max(7).default(0), watts: z.number().optional(), csv: z.string().optional(), daily: z.array(z.number()).optional(), household: z.literal(true).optional(), startHour: z.number().optional() }).strict(),
      ])
      .optional(),
    link: z.enum(["up", "down"]).optional(),
    gateway: z.enum(["online", "offline"]).optional(),
    power: z.enum(["cut", "on"]).optional(),
    reboot: z.literal(true).optional(),
    clock: duration.optional(),
    expect: expectation.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const given = ACTIONS.filter((a) => s[a] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({ code: "custom", message: given.length === 0 ? `a step needs one action: ${ACTIONS.join(", ")}` : `a step has one action, this one has ${given.join(" and ")}` });
  });

const scenario = z
  .object({
    name: z.string().min(1),
    seed: z.union([z.string(), z.number()]).transform(String).default("signet"),
    site: id("site").default("town-hall"),
    start: z
      .union([z.number().int().min(0), z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date or Unix seconds")])
      .transform((v) => (typeof v === "number" ? v : Math.floor(Date.parse(v) / 1000)))
      .default(1_795_338_000),
    ballots: z.array(ballot).default([]),
    devices: z.array(device).min(1, "a scenario needs at least one device"),
    steps: z.array(step).min(1, "a scenario needs at least one step"),
  })
  .strict();

type RawStep = z.output<typeof step>;

/** The line of the node at `path` (or of its nearest existing parent). */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    if (node && node.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}

/** The line of a key inside a map node (the key itself, for "expected/unknown key" problems). */
function keyLine(doc: Document, lines: LineCounter, path: readonly PropertyKey[], key: string): number {
  const node = doc.getIn(path as (string | number)[], true);
  if (isMap(node)) {
    for (const pair of node.items) {
      const k = pair.key as { value?: unknown; range?: [number, number, number] };
      if (k && k.value === key && k.range) return lines.linePos(k.range[0]).line;
    }
  }
  return lineOf(doc, lines, path);
}

function describePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
}

/** Parses and checks a scenario; throws ScenarioError naming the line and the problem. */
export function parseScenario(text: string, file = "scenario.yaml"): ScenarioSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new ScenarioError(file, lines.linePos(e.pos[0]).line, `YAML: ${e.message.split("\n")[0]}`);
  }
  if (!isMap(doc.contents)) throw new ScenarioError(file, 1, "a scenario is a YAML map with name, devices and steps");
  const checked = scenario.safeParse(doc.toJS());
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const path = issue.path;
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0];
      const where = describePath(path);
      throw new ScenarioError(file, keyLine(doc, lines, path, key), `${where ? `${where}: ` : ""}unknown key "${key}"`);
    }
    const where = describePath(path);
    throw new ScenarioError(file, lineOf(doc, lines, path), `${where ? `${where}: ` : ""}${issue.message}`);
  }
  const raw = checked.data;
  const at = (...path: (string | number)[]) => lineOf(doc, lines, path);
  const fail = (line: number, problem: string): never => {
    throw new ScenarioError(file, line, problem);
  };

  const devices: DeviceSpec[] = raw.devices.map((d, i) => {
    const numbers = new Set<number>();
    d.voters.forEach((v, j) => {
      if (numbers.has(v.number)) fail(at("devices", i, "voters", j, "number"), `voter number ${v.number} is enrolled twice on ${d.id}`);
      numbers.add(v.number);
      if (v.finger && !d.fingerprint) fail(at("devices", i, "voters", j, "finger"), `${d.id} has no fingerprint module (fingerprint: false)`);
    });
    const channels = new Set<number>();
    d.meters.forEach((m, j) => {
      if (!KIOSK_PINS.pulses.some((p) => p.channel === m.ch)) fail(at("devices", i, "meters", j), `the kiosk board has no S0 input for channel ${m.ch} (inputs: ${KIOSK_PINS.pulses.map((p) => p.channel).join(", ")})`);
      if (channels.has(m.ch)) fail(at("devices", i, "meters", j), `meter channel ${m.ch} is wired twice on ${d.id}`);
      channels.add(m.ch);
    });
    if (d.auth !== "pin" && !d.fingerprint) fail(at("devices", i, "auth"), `auth ${d.auth} needs the fingerprint module`);
    return { id: d.id, key: d.key, auth: d.auth, fingerprint: d.fingerprint, voters: d.voters, meters: d.meters, interval: d.interval === undefined ? undefined : d.interval / 1000, line: at("devices", i) };
  });
  const ids = new Set<string>();
  devices.forEach((d, i) => {
    if (ids.has(d.id)) fail(at("devices", i, "id"), `device id ${d.id} is used twice`);
    ids.add(d.id);
  });

  const ballots: BallotSpec[] = raw.ballots.map((b, i) => {
    const options = new Set<string>();
    b.options.forEach((o, j) => {
      if (options.has(o.id)) fail(at("ballots", i, "options", j), `option ${o.id} is listed twice`);
      if (["tie", "no-quorum", "adopted", "rejected"].includes(o.id)) fail(at("ballots", i, "options", j), `option id ${o.id} is reserved (PROTOCOL §4.5)`);
      options.add(o.id);
    });
    return { id: b.id, rev: b.rev, title: b.title, options: b.options, opens: Math.floor(b.opens / 1000), closes: Math.floor(b.closes / 1000), roll: b.roll, eligible: b.eligible, line: at("ballots", i) };
  });

  const steps: StepSpec[] = raw.steps.map((s, i) => {
    const line = at("steps", i);
    const action = toAction(s, (key) => keyLine(doc, lines, ["steps", i, "expect"], key), fail, line);
    const needsDevice = !["wait", "link", "gateway"].includes(action.kind);
    let dev = s.device;
    if (dev !== undefined && !ids.has(dev)) fail(at("steps", i, "device"), `no device named ${dev} (devices: ${[...ids].join(", ")})`);
    if (dev === undefined && needsDevice) {
      if (devices.length > 1) fail(line, `this step acts on a device: say which with device: (one of ${[...ids].join(", ")})`);
      dev = devices[0].id;
    }
    const target = devices.find((d) => d.id === dev);
    if (target && action.kind === "finger" && !target.fingerprint) fail(line, `${target.id} has no fingerprint module`);
    if (target && action.kind === "load" && !target.meters.some((m) => m.ch === action.ch)) fail(line, `${target.id} has no meter on channel ${action.ch}`);
    if (target && action.kind === "expect")
      for (const c of action.checks)
        if (c.check.kind === "energy" && !target.meters.some((m) => m.ch === (c.check as { ch: number }).ch)) fail(c.line, `${target.id} has no meter on channel ${c.check.ch}`);
    return { line, device: dev, at: s.at, action };
  });

  return { name: raw.name, file, seed: raw.seed, site: raw.site, start: raw.start, ballots, devices, steps };
}

function toAction(s: RawStep, expectLine: (key: string) => number, fail: (line: number, problem: string) => never, line: number): Action {
  if (s.wait !== undefined) return { kind: "wait", ms: s.wait };
  if (s.keys !== undefined) return { kind: "keys", text: s.keys };
  if (s.press !== undefined) return { kind: "press", button: s.press };
  if (s.finger !== undefined) return typeof s.finger === "string" ? { kind: "finger", name: s.finger, quality: "good" } : { kind: "finger", name: s.finger.name, quality: s.finger.quality };
  if (s.load !== undefined) {
    const { ch, ...rest } = typeof s.load === "object" ? s.load : { ch: 0, given: s.load };
    const parsed = load.safeParse("given" in rest ? rest.given : rest);
    if (!parsed.success) fail(line, `load: ${parsed.error.issues[0].message} (give watts, csv, daily or household)`);
    return { kind: "load", ch, load: parsed.data! };
  }
  if (s.link !== undefined) return { kind: "link", up: s.link === "up" };
  if (s.gateway !== undefined) return { kind: "gateway", online: s.gateway === "online" };
  if (s.power !== undefined) return { kind: "power", on: s.power === "on" };
  if (s.reboot !== undefined) return { kind: "reboot" };
  if (s.clock !== undefined) return { kind: "clock", jumpSeconds: Math.round(s.clock / 1000) };
  const e = s.expect!;
  const checks: { line: number; check: Expectation }[] = [];
  if (e.display !== undefined) checks.push({ line: expectLine("display"), check: { kind: "display", text: e.display } });
  if (e.shown !== undefined) checks.push({ line: expectLine("shown"), check: { kind: "shown", text: e.shown } });
  if (e.published !== undefined) checks.push({ line: expectLine("published"), check: { kind: "published", ...e.published } });
  if (e.acked !== undefined) checks.push({ line: expectLine("acked"), check: { kind: "acked", ...e.acked } });
  if (e.nacked !== undefined) checks.push({ line: expectLine("nacked"), check: { kind: "nacked", reason: e.nacked } });
  if (e.receipt !== undefined) checks.push({ line: expectLine("receipt"), check: { kind: "receipt" } });
  if (e.energy !== undefined) checks.push({ line: expectLine("energy"), check: { kind: "energy", ...e.energy } });
  if (e.outbox !== undefined) checks.push({ line: expectLine("outbox"), check: { kind: "outbox", count: e.outbox } });
  if (e.led !== undefined) for (const [led, mode] of Object.entries(e.led)) checks.push({ line: expectLine("led"), check: { kind: "led", led: led as "ok", mode: mode! } });
  if (e.mode !== undefined) checks.push({ line: expectLine("mode"), check: { kind: "mode", mode: e.mode } });
  return { kind: "expect", checks };
}
