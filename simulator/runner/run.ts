// Runs a checked scenario on one of the two engines and one of three wirings:
//   - in process (default): devices and the stand-in gateway on the
//     in-process link and the virtual clock; exactly reproducible; on Node or
//     on XS (`engine: "xs"`: the whole run is bundled and evaluated by xsnap);
//   - a real broker (`broker: "embedded"` starts aedes on 127.0.0.1 at a free
//     port, or a URL): each device has its own mqtt.js connection, the
//     stand-in gateway is one more client, and the virtual clock is paced to
//     the wall clock (`speed` × real time);
//   - a real gateway (`gateway`): devices are enrolled through its admin API,
//     trust its key, and talk to its broker.
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { MqttService } from "../../firmware/hal/mqtt";
import { ALG_EDDSA, algName, publicKeyOf, toHex } from "../../firmware/protocol/index";
import { VirtualClock } from "../clock";
import { executeScenario, type GatewayTarget, type ScenarioResult } from "../scenario/execute";
import { signBallot, StandInGateway, standInKeys, type AdminKey } from "../scenario/gateway";
import { runInProcess, standInTarget } from "../scenario/in-process";
import type { BallotSpec, ScenarioSpec } from "../scenario/spec";
import { NodeMqttService } from "../services/mqtt-node";
import { runOnXs } from "../xs/runner";
import { startRunBroker, type RunBroker } from "./broker";
import { probeBroker } from "./probe";
import { realGatewayTarget } from "./gateway-admin";
import { nodeSignatureSuite } from "./node-suite";
import { MqttGatewayWire } from "./wire";

export const XS_ENTRY = fileURLToPath(new URL("../scenario/xs-entry.ts", import.meta.url));

export interface RunOptions {
  readonly engine?: "node" | "xs";
  /** Replaces the scenario's own seed. */
  readonly seed?: string;
  /** "embedded" or an mqtt:// URL: a real broker, in real time. */
  readonly broker?: string;
  readonly gateway?: {
    readonly url: string;
    readonly token: string;
    /** The administrator key that signs the ballots (one in the gateway's configuration); default the seed's. */
    readonly adminKey?: AdminKey;
    /** How ballots reach the devices (default: the roll and the ballot through the gateway's admin API). */
    publishBallot?(ballot: BallotSpec, start: number, cose: Uint8Array): void | Promise<void>;
  };
  /** Real-time runs: virtual seconds per wall second (default 1). */
  readonly speed?: number;
  onTrace?(line: string): void;
  /** A broker problem worth telling the user (unreachable: the devices keep retrying). */
  onWarning?(text: string): void;
}

export class RunOptionError extends Error {}

export async function runScenario(spec: ScenarioSpec, options: RunOptions = {}): Promise<ScenarioResult> {
  const seeded = options.seed === undefined ? spec : { ...spec, seed: options.seed };
  // A real gateway judges ballot windows by its own clock: the devices' world starts now.
  const scenario = options.gateway ? { ...seeded, start: Math.floor(Date.now() / 1000) } : seeded;
  const real = options.broker !== undefined || options.gateway !== undefined;
  if (options.engine === "xs") {
    if (real) throw new RunOptionError("--xs runs use the in-process link (the XS engine has no sockets); drop --broker/--gateway, or run them on Node");
    return (await runOnXs<ScenarioResult>(XS_ENTRY, { scenario })).result;
  }
  if (!real) return runInProcess(scenario, options.onTrace, nodeSignatureSuite());

  const closers: (() => Promise<void>)[] = [];
  try {
    let brokerUrl: string;
    if (options.broker === "embedded" || (options.broker === undefined && options.gateway === undefined)) {
      const broker: RunBroker = await startRunBroker();
      closers.push(() => broker.close());
      brokerUrl = broker.url;
    } else if (options.broker !== undefined) brokerUrl = options.broker;
    else brokerUrl = `mqtt://${new URL(options.gateway!.url).hostname}:1883`;
    const problem = await probeBroker(brokerUrl);
    if (problem) options.onWarning?.(`broker ${brokerUrl} is unreachable (${problem}); the devices retry with the firmware's back-off (1 s, 2 s, … 64 s)`);

    const clock = new VirtualClock(0);
    const keys = standInKeys(scenario.seed, scenario.site);
    let target: GatewayTarget;
    if (options.gateway) {
      const gateway = options.gateway;
      const admin: AdminKey = gateway.adminKey ?? { alg: ALG_EDDSA, kid: keys.adminKid, privateKey: keys.adminKey };
      const sign = (ballot: BallotSpec, start: number) => signBallot(ballot, start, admin, Math.floor(Date.now() / 1000));
      const everyone = scenario.devices.flatMap((d) => d.voters.map((v) => v.id));
      target = await realGatewayTarget({
        url: gateway.url,
        token: gateway.token,
        site: scenario.site,
        adminKid: admin.kid,
        adminAlg: algName(admin.alg),
        adminPubHex: toHex(publicKeyOf(admin.alg, admin.privateKey)),
        signBallot: sign,
        rollOf: (ballot) => ballot.eligible ?? everyone,
        publishBallot: gateway.publishBallot ? (ballot, start) => gateway.publishBallot!(ballot, start, sign(ballot, start)) : undefined,
      });
    } else {
      const wire = await MqttGatewayWire.connect(brokerUrl, scenario.site, options.onWarning);
      closers.push(() => wire.close());
      target = standInTarget(new StandInGateway(wire, scenario.site, keys, () => scenario.start * 1000 + Math.floor(clock.now()), nodeSignatureSuite()));
    }
    const services: MqttService[] = [];
    closers.push(async () => {
      for (const s of services) s.disconnect();
    });
    const speed = options.speed ?? 1;
    return await executeScenario(scenario, {
      clock,
      target,
      brokerUrl,
      mqtt: () => {
        const service = new NodeMqttService({ url: brokerUrl, connectTimeoutMs: 5000 });
        services.push(service);
        return service;
      },
      drop: (service) => {
        // mqtt.js cannot cut its socket without a DISCONNECT: end it, and tell the firmware it was lost.
        const closed = service.onClose;
        service.disconnect();
        closed?.("network down");
      },
      pace: (ms) => sleep(ms / speed),
      onTrace: options.onTrace,
    });
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}
