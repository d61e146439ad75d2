// A fleet: many metering devices on one machine and one virtual clock. Each
// device has its own MQTT connection (one mqtt.js client, one TCP socket), as
// on site: the embedded aedes broker, any broker by URL, or a real gateway's
// broker. Brokers that allow it could share connections, but a device's
// client id is its identity (PROTOCOL §1, the broker's ACL), so the fleet
// never multiplexes devices over one connection. The stand-in gateway (one
// connection per site) answers unless a real gateway does. `link` runs the
// same fleet on the in-process link instead (no sockets: the device cost alone).
import { performance } from "node:perf_hooks";
import { setImmediate as turn, setTimeout as sleep } from "node:timers/promises";
import type { MqttService } from "../../firmware/hal/mqtt";
import { ALG_EDDSA, decodeSign1, fromHex, parsePayload, parseTopic, publicKeyOf, toHex, type Payload } from "../../firmware/protocol/index";
import { VirtualClock } from "../clock";
import { dailyLoad, HOUSEHOLD_DAY } from "../hardware/load-profile";
import { SeededRandom } from "../hardware/random";
import { LinkBroker } from "../services/mqtt-link";
import { NodeMqttService } from "../services/mqtt-node";
import { devicePassword, type GatewayTarget } from "../scenario/execute";
import { signBallot, StandInGateway, standInKeys, weekLongBallot, type GatewayWire } from "../scenario/gateway";
import { standInTarget } from "../scenario/in-process";
import { MqttTap } from "../scenario/tap";
import { startRunBroker } from "../runner/broker";
import { realGatewayTarget } from "../runner/gateway-admin";
import { probeBroker } from "../runner/probe";
import { MqttGatewayWire } from "../runner/wire";
import { nodeSignatureSuite } from "../runner/node-suite";
import { MeterDevice } from "./meter-device";
import { KioskHardware, SimDevice } from "../device";
import { provisionKiosk } from "../scenario/execute";
import type { BallotSpec, DeviceSpec } from "../scenario/spec";
import { parseDuration } from "../scenario/parse";
import type { KeyStore } from "../../firmware/app/parts";
import type { Storage } from "../../firmware/hal/storage";

export interface FleetOptions {
  readonly devices: number;
  readonly sites: number;
  /** The site's name (with several sites, the prefix of site-1, site-2, …); "fleet" by default. */
  readonly site?: string;
  /** Simulated time. */
  readonly durationMs: number;
  /** "max": as fast as the machine and the broker go; a number: that many times real time. */
  readonly speed: number | "max";
  /** "embedded" (default), an mqtt:// URL, or "link": the in-process link on the virtual clock. */
  readonly broker?: string;
  readonly gateway?: { readonly url: string; readonly token: string };
  readonly seed?: string;
  /** Number of the first device (ids meter-0001 …); a shard of a parallel fleet starts further on. */
  readonly firstDevice?: number;
  /** Reading interval, seconds (60 by default). */
  readonly intervalSeconds?: number;
  /** Voting load: kiosks per site, each with this many voters who vote one after another through the run. */
  readonly kiosks?: number;
  readonly votersPerKiosk?: number;
  /** A key store with the same signatures, faster (the benchmark's node:crypto store). */
  readonly keys?: (storage: Storage, random: (n: number) => Uint8Array) => KeyStore;
  /** Where to draw a progress bar (a TTY), if anywhere. */
  readonly progress?: NodeJS.WriteStream;
  onWarning?(text: string): void;
}

export interface FleetSummary {
  readonly devices: number;
  readonly sites: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  /** Messages the devices signed (published or still queued). */
  readonly signed: number;
  /** Publishes of device messages, re-sends included. */
  readonly published: number;
  readonly acked: number;
  readonly rejected: number;
  /** Votes among the published messages (kiosks' voting load). */
  readonly votes: number;
  /** Publish → ack, wall-clock ms (in-process: virtual ms). */
  readonly latencyMeanMs: number;
  readonly latencyP99Ms: number;
  /** Every publish→ack latency, for merging the shards of a parallel fleet. */
  readonly latencies?: readonly number[];
  /** Sum of the emulated meters' true energy. */
  readonly meterWh: number;
  readonly transport: string;
}

/** The ballot the fleet's kiosks vote on (open for a week from the start). */
export const FLEET_BALLOT: BallotSpec = weekLongBallot("fleet-poll", "Fleet poll", "fleet");

export function parseSpeed(text: string): number | "max" {
  if (text === "max") return "max";
  const match = /^x(\d+(?:\.\d+)?)$/.exec(text);
  if (!match || !(Number(match[1]) > 0)) throw new Error(`--speed must be max or xK (K × real time, e.g. x60), got "${text}"`);
  return Number(match[1]);
}

export function parseDurationFlag(text: string): number {
  const ms = parseDuration(text);
  if (!(ms > 0)) throw new Error(`--duration must be above zero, got "${text}"`);
  return ms;
}

interface Pending {
  readonly at: number;
}

export async function runFleet(options: FleetOptions): Promise<FleetSummary> {
  const seed = options.seed ?? "fleet";
  const clock = new VirtualClock(0);
  const start = Math.floor(Date.now() / 1000);
  const inProcess = options.broker === "link";
  const closers: (() => Promise<void> | void)[] = [];
  const now = () => (inProcess ? clock.now() : performance.now());
  let signedAtEnd = 0;
  let published = 0;
  let acked = 0;
  let rejected = 0;
  let votesPublished = 0;
  const latencies: number[] = [];
  const pending = new Map<string, Pending>();

  try {
    let brokerUrl = "mqtt://broker.signet-sim.lan:1883";
    // In process, each device has its own link to the gateway (as each has its own connection on a
    // broker), so a message is routed to one device, not matched against every device's subscriptions.
    const links = new Map<string, LinkBroker>();
    const linksOfSite = new Map<string, LinkBroker[]>();
    const retainedOfSite = new Map<string, Map<string, Uint8Array>>();
    if (inProcess) {
      // nothing to start
    } else if (options.broker && options.broker !== "embedded") brokerUrl = options.broker;
    else if (options.gateway) brokerUrl = `mqtt://${new URL(options.gateway.url).hostname}:1883`;
    else {
      const broker = await startRunBroker();
      closers.push(() => broker.close());
      brokerUrl = broker.url;
    }
    if (!inProcess) {
      const problem = await probeBroker(brokerUrl);
      if (problem) options.onWarning?.(`broker ${brokerUrl} is unreachable (${problem}); the devices retry with the firmware's back-off (1 s, 2 s, … 64 s)`);
    }

    const siteWires = new Map<string, GatewayWire>();
    const suite = nodeSignatureSuite();
    const name = options.site ?? "fleet";
    if (options.gateway && options.sites !== 1) throw new RangeError("a gateway serves one site: run the fleet against it with one site (--sites 1 --site ITS-SITE)");
    const sites = Array.from({ length: options.sites }, (_, i) => (options.sites === 1 ? name : `${name}-${i + 1}`));
    const targets = new Map<string, GatewayTarget>();
    for (const site of sites) {
      const keys = standInKeys(seed, site);
      if (options.gateway) {
        targets.set(
          site,
          await realGatewayTarget({
            url: options.gateway.url,
            token: options.gateway.token,
            site,
            adminKid: keys.adminKid,
            adminPubHex: toHex(publicKeyOf(ALG_EDDSA, keys.adminKey)),
            // The fleet's kiosks vote on FLEET_BALLOT: sign it with the seed's administrator key, roll = every kiosk voter.
            signBallot: (ballot, start) => signBallot(ballot, start, keys, Math.floor(Date.now() / 1000)),
            rollOf: () =>
              Array.from({ length: options.kiosks ?? 0 }, (_, k) => Array.from({ length: options.votersPerKiosk ?? 10 }, (_, v) => `voter-${k + 1}-${v + 1}`)).flat(),
          }),
        );
        continue;
      }
      let wire: GatewayWire;
      if (inProcess) {
        const kept = new Map<string, Uint8Array>();
        retainedOfSite.set(site, kept);
        const view: GatewayWire = {
          publish: (topic, payload, retain) => {
            if (retain) kept.set(topic, payload); // for the links of devices that come later
            const parsed = parseTopic(topic);
            if (parsed?.kind === "device") links.get(parsed.dev)?.publish(topic, payload, retain);
            else for (const l of linksOfSite.get(site) ?? []) l.publish(topic, payload, retain);
          },
        };
        siteWires.set(site, view);
        linksOfSite.set(site, []);
        wire = view;
      } else {
        const mqttWire = await MqttGatewayWire.connect(brokerUrl, site, options.onWarning);
        closers.push(() => mqttWire.close());
        wire = mqttWire;
      }
      const gateway = new StandInGateway(wire, site, keys, () => start * 1000 + Math.floor(clock.now()), suite);
      targets.set(site, standInTarget(gateway));
      gateway.setOnline(true);
    }

    const devices: MeterDevice[] = [];
    const services: MqttService[] = [];
    const enrolments: Promise<void>[] = [];
    for (let i = 0; i < options.devices; i++) {
      const site = sites[i % sites.length];
      const id = `meter-${String(i + (options.firstDevice ?? 1)).padStart(4, "0")}`;
      // Households at different hours and sizes: the daily curve scaled by 0.5 … 1.5, started at any hour.
      const random = new SeededRandom(`${seed}/${id}/load`);
      const scale = 0.5 + random.next();
      const device = new MeterDevice(clock, {
        id,
        site,
        seed: `${seed}/${id}`,
        profile: dailyLoad(
          HOUSEHOLD_DAY.map((w) => Math.round(w * scale)),
          Math.floor(random.next() * 24),
        ),
        worldEpoch: start,
        keys: options.keys,
      });
      const target = targets.get(site)!;
      const key = await device.provision({
        broker: brokerUrl,
        password: devicePassword(seed, id),
        gateway: { kid: target.kid, alg: ALG_EDDSA, pub: fromHex(target.pubHex) },
        intervalSeconds: options.intervalSeconds,
      });
      enrolments.push(Promise.resolve(target.enroll(id, key.alg === "ES256" ? -7 : -8, fromHex(key.pub), devicePassword(seed, id))));
      if (enrolments.length >= 32) await Promise.all(enrolments.splice(0));
      devices.push(device);
    }
    await Promise.all(enrolments);

    const tapFor = (dev: string) =>
      new MqttTap({
        dev,
        timers: clock,
        drop: () => undefined,
        record: (t) => {
          const topic = parseTopic(t.topic);
          if (!topic || topic.kind !== "device" || topic.channel === "state") return;
          const payload = decode(t.payload);
          if (!payload) return;
          if (t.direction === "out") {
            if (payload.t !== "vote" && payload.t !== "reading" && payload.t !== "status") return;
            published++;
            if (payload.t === "vote") votesPublished++;
            const key = `${dev}/${payload.seq}`;
            if (!pending.has(key) && payload.t !== "status") pending.set(key, { at: now() });
          } else if (payload.t === "ack" || payload.t === "nack") {
            const key = `${dev}/${payload.seq}`;
            const sent = pending.get(key);
            if (!sent) return; // a re-sent ack
            pending.delete(key);
            latencies.push(now() - sent.at);
            if (payload.t === "ack") acked++;
            else rejected++;
          }
        },
      });
    const serviceFor = (dev: string, site: string): MqttService => {
      if (!inProcess) return new NodeMqttService({ url: brokerUrl, connectTimeoutMs: 10_000 });
      const link = new LinkBroker(clock);
      link.recording = false;
      const wire = siteWires.get(site)!;
      link.onPublish = (m) => wire.onPublish?.(m);
      links.set(dev, link);
      for (const [topic, payload] of retainedOfSite.get(site)!) link.publish(topic, payload, true);
      linksOfSite.get(site)!.push(link);
      return link.client();
    };
    for (const [i, device] of devices.entries()) {
      const service = serviceFor(device.id, sites[i % sites.length]);
      services.push(service);
      await device.boot(tapFor(device.id).wrap(service));
    }

    // Voting load: kiosks (the whole emulated kiosk, provisioned over its console) whose voters
    // come one after another through the run, each typing number and PIN, an option, CONFIRM.
    const kiosks: SimDevice[] = [];
    for (const site of sites) {
      if (!options.kiosks) break;
      const target = targets.get(site)!;
      await target.publishBallot(FLEET_BALLOT, start);
      for (let k = 1; k <= options.kiosks; k++) {
        const voters = options.votersPerKiosk ?? 10;
        const spec: DeviceSpec = {
          id: `kiosk-${String(k).padStart(2, "0")}-${site}`.slice(0, 32),
          key: "software",
          auth: "pin",
          fingerprint: false,
          voters: Array.from({ length: voters }, (_, v) => ({ number: v + 1, id: `voter-${k}-${v + 1}`, pin: "1234" })),
          meters: [],
          line: 0,
        };
        const hardware = new KioskHardware(clock, { seed: `${seed}/${spec.id}`, fingerprint: false, key: "software" });
        const tap = tapFor(spec.id);
        const device = new SimDevice({ clock, hardware, mqtt: () => tap.wrap(serviceFor(spec.id, site)), worldEpoch: start, seed: `${seed}/${spec.id}`, verifyTableWindow: 4 });
        await provisionKiosk({ clock, device, hardware, spec, site, seed, brokerUrl, target });
        kiosks.push(device);
        const spacing = options.durationMs / (voters + 1);
        for (let v = 1; v <= voters; v++)
          clock.set(() => {
            if (!device.on) return;
            const typing = hardware.keypad.type(`#${v}#1234#`);
            clock.set(() => hardware.buttons.click(`opt${1 + (v % 3)}`), typing + 300);
            clock.set(() => hardware.buttons.click("confirm"), typing + 900);
          }, v * spacing);
      }
    }
    closers.push(() => {
      for (const k of kiosks) k.powerCut();
    });
    closers.push(() => {
      for (const d of devices) d.stop();
    });

    // On a real broker, connecting takes wall time: let every device come online (and every kiosk
    // receive its ballot) before simulated time races ahead.
    if (!inProcess) {
      const ready = () =>
        devices.every((d) => d.app?.kiosk?.uplink.flowing) && kiosks.every((k) => k.on && k.app.kiosk?.uplink.flowing && k.app.kiosk.ballots.all.length > 0);
      const until = performance.now() + 30_000;
      while (!ready() && performance.now() < until) {
        await clock.run(50);
        await sleep(10);
      }
      if (!ready()) options.onWarning?.("not every device came online within 30 s; the run goes on and they keep retrying");
    }

    const wallStart = performance.now();
    const bar = new ProgressBar(options.progress, options.durationMs);
    const tick = 1000;
    let lastDraw = 0;
    while (clock.now() < options.durationMs) {
      const step = Math.min(options.durationMs - clock.now(), options.speed === "max" ? tick : Math.max(1, Math.round(20 * options.speed)));
      await clock.run(step);
      if (inProcess) {
        // Nothing waits on sockets; yield now and then so a progress bar can draw.
        if (clock.now() - lastDraw >= 60_000) await turn();
      } else if (options.speed === "max") {
        // As fast as the broker round trips allow: let the network catch up before time moves on.
        for (let spins = 0; spins < 200 && pending.size > 0; spins++) await (spins < 20 ? turn() : sleep(1));
        await turn();
      } else await sleep(20);
      if (performance.now() - lastDraw > 200 || clock.now() >= options.durationMs) {
        bar.draw(clock.now(), published, acked);
        lastDraw = performance.now();
      }
    }
    if (!inProcess) for (let spins = 0; spins < 500 && pending.size > 0; spins++) await sleep(2);
    bar.end();
    const wallMs = performance.now() - wallStart;
    let meterWh = 0;
    for (const device of devices) {
      meterWh += device.meter.energyWh;
      signedAtEnd += device.app?.kiosk?.outbox.size ?? 0;
    }
    for (const k of kiosks) if (k.on) signedAtEnd += k.app.kiosk?.outbox.size ?? 0;
    return {
      devices: options.devices,
      sites: options.sites,
      simulatedMs: clock.now(),
      wallMs,
      // Everything signed is answered or still in an outbox (published or not).
      signed: signedAtEnd + acked + rejected,
      published,
      acked,
      rejected,
      votes: votesPublished,
      latencyMeanMs: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0,
      latencyP99Ms: percentile(latencies, 0.99),
      latencies,
      meterWh,
      transport: inProcess ? "in-process link" : options.gateway ? `gateway ${options.gateway.url} (broker ${brokerUrl})` : `broker ${brokerUrl}`,
    };
  } finally {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  }
}

function decode(bytes: Uint8Array): Payload | undefined {
  try {
    return parsePayload(decodeSign1(bytes).payload);
  } catch {
    return undefined;
  }
}

export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

class ProgressBar {
  readonly #out: NodeJS.WriteStream | undefined;
  readonly #total: number;
  constructor(out: NodeJS.WriteStream | undefined, total: number) {
    this.#out = out;
    this.#total = total;
  }
  draw(done: number, published: number, acked: number): void {
    if (!this.#out) return;
    const width = 30;
    const filled = Math.round((done / this.#total) * width);
    this.#out.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${((100 * done) / this.#total).toFixed(0).padStart(3)}% ${(done / 3_600_000).toFixed(2)} h simulated, ${published} published, ${acked} acked `);
  }
  end(): void {
    this.#out?.write("\n");
  }
}

export function formatSummary(s: FleetSummary): string {
  const hours = s.simulatedMs / 3_600_000;
  const lines = [
    `fleet: ${s.devices} device(s) on ${s.sites} site(s), ${hours.toFixed(2)} h simulated in ${(s.wallMs / 1000).toFixed(1)} s wall (${((s.devices * hours) / (s.wallMs / 1000)).toFixed(1)} device-hours/s), ${s.transport}`,
    `  signed     ${s.signed}`,
    `  published  ${s.published}`,
    `  acked      ${s.acked}`,
    `  rejected   ${s.rejected}`,
    ...(s.votes ? [`  votes      ${s.votes} (of the published)`] : []),
    `  publish→ack latency: mean ${s.latencyMeanMs.toFixed(1)} ms, p99 ${s.latencyP99Ms.toFixed(1)} ms`,
    `  energy metered ${(s.meterWh / 1000).toFixed(1)} kWh`,
  ];
  return `${lines.join("\n")}\n`;
}
