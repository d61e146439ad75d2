// Runs a checked scenario: builds each device (emulated kiosk hardware, the
// real drivers and firmware), provisions it over its serial console as a
// technician would, enrols its key with the gateway (the stand-in, or a real
// one through the runner), publishes the ballots, then plays the timeline on
// the virtual clock and checks each expectation where it stands. Everything
// the devices send and receive is tapped, so expectations and the byte-for-
// byte message list do not depend on which gateway answered. No Node APIs:
// the XS engine runs this very file (simulator/scenario/xs-entry.ts).
import { decodeSign1, fromHex, parseAlg, parsePayload, parseTopic, toHex, type Alg, type DeviceMessage, type Payload } from "../../firmware/protocol/index";
import type { MqttService } from "../../firmware/hal/mqtt";
import type { VirtualClock } from "../clock";
import { KioskHardware, SimDevice } from "../device";
import { constantLoad, csvLoad, dailyLoad, HOUSEHOLD_DAY, type LoadProfile } from "../hardware/load-profile";
import type { LinkBroker } from "../services/mqtt-link";
import { SimFlash } from "../services/storage";
import { MqttTap, type Traffic } from "./tap";
import type { BallotSpec, DeviceSpec, Expectation, LoadSpec, ScenarioSpec, StepSpec } from "./spec";

/** Who the devices are enrolled with and who publishes the ballots: the stand-in gateway or a real one. */
export interface GatewayTarget {
  readonly kid: string;
  /** The gateway's Ed25519 public key, hex (devices verify acks with it). */
  readonly pubHex: string;
  /** The administrator key devices trust for ballots. */
  readonly adminKid: string;
  readonly adminPubHex: string;
  /** The administrator key's algorithm; EdDSA when not said. */
  readonly adminAlg?: "ES256" | "EdDSA";
  enroll(dev: string, alg: Alg, pub: Uint8Array, password: string): void | Promise<void>;
  publishBallot(ballot: BallotSpec, start: number): void | Promise<void>;
  /** Only the stand-in gateway can be told to go offline. */
  setOnline?(online: boolean): void;
}

export interface ExecuteOptions {
  readonly clock: VirtualClock;
  readonly target: GatewayTarget;
  /** The URL written into each device's configuration. */
  readonly brokerUrl: string;
  /** A fresh MQTT service for one device boot. */
  mqtt(): MqttService;
  /** Ends a device's live connection as a lost network would. */
  drop(service: MqttService, dev: string): void;
  /** Real-time runs: waits the wall time that `virtualMs` of the clock stand for. */
  pace?(virtualMs: number): Promise<void>;
  /** Steps run sequentially; a trace line for each thing that happened (streamed as it happens, when given). */
  onTrace?(line: string): void;
}

export interface KioskToProvision {
  readonly clock: VirtualClock;
  readonly device: SimDevice;
  readonly hardware: KioskHardware;
  readonly spec: DeviceSpec;
  readonly site: string;
  readonly seed: string;
  readonly brokerUrl: string;
  readonly target: GatewayTarget;
}

/**
 * Boots a blank kiosk into provisioning mode and provisions it over its serial
 * console, as a technician would: identity, network, the gateway's and the
 * administrator's keys, meters; a device key made on the device and enrolled
 * with the gateway; voters enrolled (fingers placed when the module asks).
 * The kiosk ends running.
 */
export async function provisionKiosk(k: KioskToProvision): Promise<void> {
  const { clock, device, spec } = k;
  const command = async (line: string): Promise<string> => {
    const from = device.console.output.length;
    device.console.type(line);
    for (let waited = 0; waited <= 120_000; waited += 20) {
      const answer = device.console.answer(from);
      if (answer) {
        if (!answer.final.startsWith("ok")) throw new Error(`${spec.id}: provisioning command "${line}" answered ${answer.final}`);
        return answer.final;
      }
      await clock.run(20);
    }
    throw new Error(`${spec.id}: no answer to "${line}" on the console`);
  };
  const mode = await clock.runUntil(device.boot());
  if (mode !== "provisioning") throw new Error(`${spec.id}: a blank device booted into ${mode}`);
  await clock.run(50); // the banner crosses the console UART
  const password = devicePassword(k.seed, spec.id);
  for (const line of [
    `set site ${k.site}`,
    `set id ${spec.id}`,
    "set wifi signet-sim sim-wifi-password",
    `set broker ${k.brokerUrl}`,
    `set password ${password}`,
    `set gateway ${k.target.kid} ${k.target.pubHex}`,
    `set admin ${k.target.adminKid} ${k.target.adminAlg ?? "EdDSA"} ${k.target.adminPubHex}`,
    `set auth ${spec.auth}`,
    ...spec.meters.map((m) => `set meter ${m.ch} ${m.imp}`),
    ...(spec.interval === undefined ? [] : [`set interval ${spec.interval}`]),
  ])
    await command(line);
  const [, alg, pub] = (await command("keygen")).split(" ");
  await k.target.enroll(spec.id, parseAlg(alg), fromHex(pub), password);
  const module = k.hardware.fingerprint;
  for (const v of spec.voters) {
    device.console.onOutput = (line) => {
      if (!v.finger || !module) return;
      if (line === ". place finger" || line === ". place the same finger again") module.placeFinger(v.finger);
      if (line === ". lift finger") module.liftFinger();
    };
    try {
      await command(`voter add ${v.number} ${v.id}${v.pin ? ` pin ${v.pin}` : ""}${v.finger ? " finger" : ""}`);
    } finally {
      device.console.onOutput = undefined;
      module?.liftFinger();
    }
  }
  await command("run");
}

export interface CheckResult {
  readonly line: number;
  readonly device: string | undefined;
  readonly description: string;
  readonly ok: boolean;
  readonly detail: string;
  /** Virtual ms from the timeline's start. */
  readonly at: number;
}

export interface ScenarioResult {
  readonly name: string;
  readonly file: string;
  readonly passed: boolean;
  readonly checks: CheckResult[];
  /** A step that could not be carried out (the run stops there). */
  readonly error?: { readonly line: number; readonly message: string };
  readonly trace: string[];
  /** Every distinct device message, in order of first publish, as "topic hex". */
  readonly messages: string[];
  /** Virtual time the timeline took, ms. */
  readonly virtualMs: number;
}

export function loadProfile(load: LoadSpec): LoadProfile {
  switch (load.kind) {
    case "constant":
      return constantLoad(load.watts);
    case "csv":
      return csvLoad(load.csv);
    case "daily":
      return dailyLoad(load.watts, load.startHour);
    case "household":
      return dailyLoad(HOUSEHOLD_DAY, load.startHour);
  }
}

/** The MQTT password a simulated device is provisioned and enrolled with. */
export function devicePassword(seed: string, dev: string): string {
  return `${dev}-sim-${seed}`.replace(/[^A-Za-z0-9._-]/g, "-").padEnd(16, "0");
}

interface Unit {
  readonly spec: DeviceSpec;
  readonly hardware: KioskHardware;
  readonly device: SimDevice;
  readonly tap: MqttTap;
  /** Every screen shown (as words), and where the last expectation looked. */
  readonly screens: string[];
  shownFrom: number;
}

class StepFailure extends Error {}

export async function executeScenario(scenario: ScenarioSpec, options: ExecuteOptions): Promise<ScenarioResult> {
  const { clock, target } = options;
  const trace: string[] = [];
  const traffic: Traffic[] = [];
  const checks: CheckResult[] = [];
  let t0 = 0;
  const stamp = () => {
    const ms = clock.now() - t0;
    return `${ms < 0 ? "-" : "+"}${(Math.abs(ms) / 1000).toFixed(3)}s`;
  };
  const note = (line: string) => {
    const text = `${stamp()} ${line}`;
    trace.push(text);
    options.onTrace?.(text);
  };
  const advance = async (ms: number) => {
    if (!options.pace) return clock.run(ms);
    for (let left = ms; left > 0; ) {
      const slice = Math.min(left, 50);
      await clock.run(slice);
      await options.pace(slice);
      left -= slice;
    }
  };

  const units = new Map<string, Unit>();
  for (const spec of scenario.devices) {
    const hardware = new KioskHardware(clock, {
      seed: `${scenario.seed}/${spec.id}`,
      fingerprint: spec.fingerprint,
      key: spec.key,
      meters: spec.meters.map((m) => ({ ch: m.ch, imp: m.imp, profile: loadProfile(m.load) })),
    });
    const tap = new MqttTap({ dev: spec.id, timers: clock, record: (t) => observe(t), drop: (service) => options.drop(service, spec.id) });
    const device = new SimDevice({ clock, hardware, flash: new SimFlash(), mqtt: () => tap.wrap(options.mqtt()), worldEpoch: scenario.start, seed: `${scenario.seed}/${spec.id}` });
    const unit: Unit = { spec, hardware, device, tap, screens: [], shownFrom: 0 };
    let lastScreen = "";
    device.display.onShow = () => {
      const words = device.display.words;
      unit.screens.push(words);
      if (words !== lastScreen) note(`${spec.id} screen: ${words === "" ? "(blank)" : JSON.stringify(words)}`);
      lastScreen = words;
    };
    units.set(spec.id, unit);
  }

  function observe(t: Traffic): void {
    traffic.push(t);
    const topic = parseTopic(t.topic);
    if (!topic || topic.kind !== "device") return;
    if (topic.channel === "state") return note(`${t.dev} ${t.direction === "out" ? "publishes" : "sees"} state ${JSON.stringify(String.fromCharCode(...t.payload))}`);
    const payload = decode(t.payload);
    if (!payload) return note(`${t.dev} ${t.direction} ${topic.channel}: undecodable ${t.payload.length} bytes`);
    if (t.direction === "out") note(`${t.dev} publishes ${describe(payload)}`);
    else note(`${t.dev} receives ${describe(payload)}`);
  }

  // ---- provisioning, as a technician at the console -----------------------
  for (const unit of units.values()) {
    await provisionKiosk({ clock, device: unit.device, hardware: unit.hardware, spec: unit.spec, site: scenario.site, seed: scenario.seed, brokerUrl: options.brokerUrl, target });
    note(`${unit.spec.id} provisioned and enrolled with ${target.kid}`);
    unit.device.console.onOutput = (line) => {
      if (line.startsWith("# ")) note(`${unit.spec.id} log: ${line.slice(2)}`);
    };
  }
  target.setOnline?.(true);
  for (const b of scenario.ballots) await target.publishBallot(b, scenario.start);
  await advance(5000); // connect, subscribe, the retained ballots arrive, the clock synchronises
  t0 = clock.now();
  note(`timeline starts (${scenario.devices.length} device(s), ${scenario.ballots.length} ballot(s))`);

  // ---- the timeline -------------------------------------------------------
  let error: { line: number; message: string } | undefined;
  for (const step of scenario.steps) {
    try {
      if (step.at !== undefined) {
        const due = t0 + step.at;
        if (due > clock.now()) await advance(due - clock.now());
      }
      await play(step);
    } catch (e) {
      error = { line: step.line, message: e instanceof Error ? e.message : String(e) };
      note(`[line ${step.line}] step failed: ${error.message}`);
      break;
    }
  }

  async function play(step: StepSpec): Promise<void> {
    const a = step.action;
    const unit = step.device === undefined ? undefined : units.get(step.device)!;
    const who = step.device ? `${step.device} ` : "";
    const on = (): SimDevice => {
      if (!unit!.device.on) throw new StepFailure(`${unit!.spec.id} is off (power it on first)`);
      return unit!.device;
    };
    switch (a.kind) {
      case "wait":
        note(`[line ${step.line}] wait ${a.ms / 1000} s`);
        return advance(a.ms);
      case "keys": {
        on();
        note(`[line ${step.line}] ${who}keys "${a.text}"`);
        return advance(unit!.hardware.keypad.type(a.text) + 100);
      }
      case "press":
        on();
        note(`[line ${step.line}] ${who}press ${a.button}`);
        unit!.hardware.buttons.click(a.button);
        return advance(300);
      case "finger": {
        on();
        note(`[line ${step.line}] ${who}finger ${a.name}${a.quality === "good" ? "" : ` (${a.quality})`}`);
        const module = unit!.hardware.fingerprint!;
        module.placeFinger(a.name, a.quality);
        await advance(1500);
        module.liftFinger();
        return advance(200);
      }
      case "load": {
        note(`[line ${step.line}] ${who}meter ${a.ch} load ${describeLoad(a.load)}`);
        unit!.hardware.meters.get(a.ch)!.setProfile(loadProfile(a.load));
        return;
      }
      case "link": {
        const which = unit ? [unit] : [...units.values()];
        note(`[line ${step.line}] ${unit ? `${who}link` : "network"} ${a.up ? "up" : "down"}`);
        for (const u of which) u.tap.setDown(!a.up);
        return advance(50);
      }
      case "gateway":
        if (!target.setOnline) throw new StepFailure("gateway online/offline needs the stand-in gateway (not a real one)");
        note(`[line ${step.line}] gateway ${a.online ? "online" : "offline"}`);
        target.setOnline(a.online);
        return advance(50);
      case "power":
        if (a.on) {
          if (unit!.device.on) throw new StepFailure(`${unit!.spec.id} is already on`);
          note(`[line ${step.line}] ${who}power on`);
          await clock.runUntil(unit!.device.boot());
          return advance(100);
        }
        on();
        note(`[line ${step.line}] ${who}power cut`);
        unit!.device.powerCut();
        return advance(100);
      case "reboot":
        on();
        note(`[line ${step.line}] ${who}reboot`);
        await clock.runUntil(unit!.device.reboot());
        return advance(100);
      case "clock":
        note(`[line ${step.line}] ${who}device clock steps ${a.jumpSeconds} s`);
        on().current.wallClock.jump(a.jumpSeconds);
        return;
      case "expect":
        for (const { line, check } of a.checks) {
          const verdict = evaluate(unit!, check);
          const result: CheckResult = { line, device: step.device, description: describeCheck(check), ok: verdict.ok, detail: verdict.detail, at: clock.now() - t0 };
          checks.push(result);
          note(`[line ${line}] ${who}expect ${result.description}: ${verdict.ok ? "ok" : `FAILED — ${verdict.detail}`}`);
        }
        unit!.shownFrom = unit!.screens.length;
        return;
    }
  }

  function sent(dev: string): { topic: string; bytes: Uint8Array; payload: DeviceMessage }[] {
    const seen = new Set<string>();
    const out: { topic: string; bytes: Uint8Array; payload: DeviceMessage }[] = [];
    for (const t of traffic) {
      if (t.dev !== dev || t.direction !== "out") continue;
      const topic = parseTopic(t.topic);
      if (!topic || topic.kind !== "device" || topic.channel === "state") continue;
      const hex = toHex(t.payload);
      if (seen.has(hex)) continue;
      seen.add(hex);
      const payload = decode(t.payload);
      if (payload && payload.t !== "ack" && payload.t !== "nack" && payload.t !== "ballot") out.push({ topic: t.topic, bytes: t.payload, payload: payload as DeviceMessage });
    }
    return out;
  }

  function answers(dev: string): Extract<Payload, { t: "ack" | "nack" }>[] {
    const out: Extract<Payload, { t: "ack" | "nack" }>[] = [];
    for (const t of traffic) {
      if (t.dev !== dev || t.direction !== "in") continue;
      const topic = parseTopic(t.topic);
      if (!topic || topic.kind !== "device" || topic.channel !== "ack") continue;
      const payload = decode(t.payload);
      if (payload && (payload.t === "ack" || payload.t === "nack")) out.push(payload);
    }
    return out;
  }

  function evaluate(unit: Unit, check: Expectation): { ok: boolean; detail: string } {
    const dev = unit.spec.id;
    const display = unit.device.display;
    const counted = (n: number, c: { count?: number; min?: number }) => (c.count !== undefined ? n === c.count : n >= (c.min ?? 1));
    switch (check.kind) {
      case "display":
        return { ok: display.words.includes(check.text), detail: `the screen shows ${JSON.stringify(display.words)}` };
      case "shown": {
        const recent = unit.screens.slice(unit.shownFrom);
        const ok = recent.some((words) => words.includes(check.text));
        return { ok, detail: `screens since the last check: ${recent.length ? recent.map((s) => JSON.stringify(s)).join(", ") : "none"}` };
      }
      case "published": {
        const matching = sent(dev).filter(
          (m) =>
            m.payload.t === check.type &&
            (check.type !== "vote" ||
              ((check.ballot === undefined || (m.payload as { ballot: string }).ballot === check.ballot) &&
                (check.choice === undefined || (m.payload as { choice: string }).choice === check.choice) &&
                (check.voter === undefined || (m.payload as { voter: string }).voter === check.voter))),
        );
        return { ok: counted(matching.length, check), detail: `${matching.length} matching ${check.type} message(s) published` };
      }
      case "acked": {
        const types = new Map(sent(dev).map((m) => [m.payload.seq, m.payload.t]));
        const seqs = new Set(answers(dev).filter((a) => a.t === "ack" && (check.type === undefined || types.get(a.seq) === check.type)).map((a) => a.seq));
        return { ok: counted(seqs.size, check), detail: `${seqs.size} ${check.type ?? "message"}(s) acked` };
      }
      case "nacked": {
        const reasons = answers(dev).filter((a) => a.t === "nack").map((a) => (a as { reason: string }).reason);
        return { ok: reasons.includes(check.reason), detail: reasons.length ? `nacks received: ${reasons.join(", ")}` : "no nack received" };
      }
      case "receipt": {
        const votes = new Set(sent(dev).filter((m) => m.payload.t === "vote").map((m) => m.payload.seq));
        const acks = answers(dev).filter((a) => a.t === "ack" && votes.has(a.seq));
        const last = acks[acks.length - 1] as { code: string } | undefined;
        if (!last) return { ok: false, detail: "no vote of this device was acked" };
        return { ok: display.words.includes(last.code), detail: `the ack carries ${last.code}; the screen shows ${JSON.stringify(display.words)}` };
      }
      case "energy": {
        const readings = sent(dev).filter((m) => m.payload.t === "reading" && (m.payload as { ch: number }).ch === check.ch);
        const bySeq = new Map(readings.map((r) => [r.payload.seq, r.payload as Extract<DeviceMessage, { t: "reading" }>]));
        let wh = 0;
        for (const r of bySeq.values()) wh += (r.d * 1000) / r.imp;
        const meter = unit.hardware.meters.get(check.ch)!;
        const want = check.wh ?? meter.energyWh;
        return {
          ok: Math.abs(wh - want) <= check.within,
          detail: `${bySeq.size} reading(s) carry ${wh.toFixed(1)} Wh; expected ${want.toFixed(1)} Wh ± ${check.within}${check.wh === undefined ? " (the meter's true energy)" : ""}`,
        };
      }
      case "outbox": {
        const size = unit.device.on ? (unit.device.app.kiosk?.outbox.size ?? 0) : -1;
        return { ok: size === check.count, detail: size < 0 ? "the device is off" : `${size} message(s) queued` };
      }
      case "led": {
        const mode = unit.device.indicators.leds[check.led];
        return { ok: mode === check.mode, detail: `the ${check.led} LED is ${mode}` };
      }
      case "mode": {
        const mode = unit.device.on ? unit.device.app.mode : "off";
        return { ok: mode === check.mode, detail: `the device is ${mode}` };
      }
    }
  }

  const messages: string[] = [];
  const seen = new Set<string>();
  for (const t of traffic) {
    if (t.direction !== "out") continue;
    const topic = parseTopic(t.topic);
    if (!topic || topic.kind !== "device" || topic.channel === "state") continue;
    const line = `${t.topic} ${toHex(t.payload)}`;
    if (!seen.has(line)) messages.push(line);
    seen.add(line);
  }
  const virtualMs = clock.now() - t0;
  for (const unit of units.values()) if (unit.device.on) unit.device.powerCut();
  return { name: scenario.name, file: scenario.file, passed: !error && checks.every((c) => c.ok), checks, error, trace, messages, virtualMs };
}

function decode(bytes: Uint8Array): Payload | undefined {
  try {
    return parsePayload(decodeSign1(bytes).payload);
  } catch {
    return undefined;
  }
}

function describe(p: Payload): string {
  switch (p.t) {
    case "vote":
      return `vote seq ${p.seq}: ${p.voter} chose ${p.choice} in ${p.ballot} (${p.auth})`;
    case "reading":
      return `reading seq ${p.seq}: ch ${p.ch} d ${p.d} count ${p.count} [${p.from}, ${p.to})`;
    case "status":
      return `status seq ${p.seq}: up ${p.up} s, outbox ${p.outbox}`;
    case "ack":
      return `ack of seq ${p.seq}: leaf ${p.leaf}, receipt ${p.code}`;
    case "nack":
      return `nack of seq ${p.seq}: ${p.reason}`;
    default:
      return p.t;
  }
}

function describeLoad(load: LoadSpec): string {
  switch (load.kind) {
    case "constant":
      return `${load.watts} W`;
    case "csv":
      return "from CSV";
    case "daily":
      return "daily curve";
    case "household":
      return "household day";
  }
}

export function describeCheck(check: Expectation): string {
  switch (check.kind) {
    case "display":
      return `display shows "${check.text}"`;
    case "shown":
      return `"${check.text}" was shown`;
    case "published":
      return `${check.count ?? `at least ${check.min ?? 1}`} ${check.type}(s) published${check.choice ? ` choosing ${check.choice}` : ""}${check.voter ? ` by ${check.voter}` : ""}`;
    case "acked":
      return `${check.count ?? `at least ${check.min ?? 1}`} ${check.type ?? "message"}(s) acked`;
    case "nacked":
      return `a nack "${check.reason}" received`;
    case "receipt":
      return "the receipt code of the last acked vote is on the screen";
    case "energy":
      return `readings of channel ${check.ch} within ${check.within} Wh of ${check.wh === undefined ? "the meter's true energy" : `${check.wh} Wh`}`;
    case "outbox":
      return `${check.count} message(s) in the outbox`;
    case "led":
      return `${check.led} LED ${check.mode}`;
    case "mode":
      return `device ${check.mode}`;
  }
}

/** The in-process wiring: the devices' link broker and how to drop one device's connection on it. */
export function linkDrop(broker: LinkBroker): (service: MqttService, dev: string) => void {
  return (_service, dev) => broker.drop(dev, "network down");
}
