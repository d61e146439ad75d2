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
import { StandInGateway, standInKeys, type GatewayWire } from "../scenario/gateway";
import { standInTarget } from "../scenario/in-process";
import { MqttTap } from "../scenario/tap";
import { startRunBroker } from "../runner/broker";
import { realGatewayTarget } from "../runner/gateway-admin";
import { probeBroker } from "../runner/probe";
import { MqttGatewayWire } from "../runner/wire";
import { nodeSignatureSuite } from "../runner/node-suite";
import { MeterDevice } from "./meter-device";
import { parseDuration } from "../scenario/parse";
import type { KeyStore } from "../../firmware/app/parts";
import type { Storage } from "../../firmware/hal/storage";

export interface FleetOptions {
  readonly devices: number;
  readonly sites: number;
  /** Simulated time. */
  readonly durationMs: number;
  /** "max": as fast as the machine and the broker go; a number: that many times real time. */
  readonly speed: number | "max";
  /** "embedded" (default), an mqtt:// URL, or "link": the in-process link on the virtual clock. */
  readonly broker?: string;
  readonly gateway?: { readonly url: string; readonly token: string };
  readonly seed?: string;
  /** Reading interval, seconds (60 by default). */
  readonly intervalSeconds?: number;
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
  /** Publish → ack, wall-clock ms (in-process: virtual ms). */
  readonly latencyMeanMs: number;
  readonly latencyP99Ms: number;
  /** Sum of the emulated meters' true energy. */
  readonly meterWh: number;
  readonly transport: string;
}

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
    const sites = Array.from({ length: options.sites }, (_, i) => (options.sites === 1 ? "fleet" : `fleet-${i + 1}`));
    const targets = new Map<string, GatewayTarget>();
    for (const site of sites) {
      const keys = standInKeys(seed, site);
      if (options.gateway) {
        targets.set(
          site,
          await realGatewayTarget({ url: options.gateway.url, token: options.gateway.token, site, adminKid: keys.adminKid, adminPubHex: toHex(publicKeyOf(ALG_EDDSA, keys.adminKey)) }),
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

    const random = new SeededRandom(`${seed}/loads`);
    const devices: MeterDevice[] = [];
    const services: MqttService[] = [];
    const enrolments: Promise<void>[] = [];
    for (let i = 0; i < options.devices; i++) {
      const site = sites[i % sites.length];
      const id = `meter-${String(i + 1).padStart(4, "0")}`;
      // Households at different hours and sizes: the daily curve scaled by 0.5 … 1.5, started at any hour.
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

    for (const device of devices) {
      const tap = new MqttTap({
        dev: device.id,
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
            const key = `${device.id}/${payload.seq}`;
            if (!pending.has(key) && payload.t !== "status") pending.set(key, { at: now() });
          } else if (payload.t === "ack" || payload.t === "nack") {
            const key = `${device.id}/${payload.seq}`;
            const sent = pending.get(key);
            if (!sent) return; // a re-sent ack
            pending.delete(key);
            latencies.push(now() - sent.at);
            if (payload.t === "ack") acked++;
            else rejected++;
          }
        },
      });
      let service: MqttService;
      if (inProcess) {
        const site = sites[devices.indexOf(device) % sites.length];
        const link = new LinkBroker(clock);
        link.recording = false;
        const wire = siteWires.get(site)!;
        link.onPublish = (m) => wire.onPublish?.(m);
        links.set(device.id, link);
        for (const [topic, payload] of retainedOfSite.get(site)!) link.publish(topic, payload, true);
        linksOfSite.get(site)!.push(link);
        service = link.client();
      } else service = new NodeMqttService({ url: brokerUrl, connectTimeoutMs: 10_000 });
      services.push(service);
      await device.boot(tap.wrap(service));
    }
    closers.push(() => {
      for (const d of devices) d.stop();
    });

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
      const kiosk = device.app?.kiosk;
      if (kiosk) signedAtEnd += kiosk.outbox.size;
    }
    return {
      devices: options.devices,
      sites: options.sites,
      simulatedMs: clock.now(),
      wallMs,
      signed: signedAtEnd + acked + rejected + pending.size,
      published,
      acked,
      rejected,
      latencyMeanMs: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0,
      latencyP99Ms: percentile(latencies, 0.99),
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

function percentile(values: number[], q: number): number {
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
    `  publish→ack latency: mean ${s.latencyMeanMs.toFixed(1)} ms, p99 ${s.latencyP99Ms.toFixed(1)} ms`,
    `  energy metered ${(s.meterWh / 1000).toFixed(1)} kWh`,
  ];
  return `${lines.join("\n")}\n`;
}
