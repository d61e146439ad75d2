// The default wiring of a scenario run: devices and the stand-in gateway on
// the in-process MQTT link, everything on one virtual clock. Nothing leaves
// the process and nothing waits on the wall clock, so the run is exactly
// reproducible, and it runs unchanged on XS. No Node APIs.
import { VirtualClock } from "../clock";
import { LinkBroker } from "../services/mqtt-link";
import { executeScenario, linkDrop, type ExecuteOptions, type GatewayTarget, type ScenarioResult } from "./execute";
import { StandInGateway, standInKeys, type SignatureSuite } from "./gateway";
import type { ScenarioSpec } from "./spec";

/** A target for the executor made of a stand-in gateway. */
export function standInTarget(gateway: StandInGateway): GatewayTarget {
  return {
    kid: gateway.keys.gatewayKid,
    pubHex: gateway.publicKeyHex,
    adminKid: gateway.keys.adminKid,
    adminPubHex: gateway.adminPublicKeyHex,
    enroll: (dev, alg, pub) => gateway.enroll(dev, alg, pub),
    publishBallot: (ballot, start) => void gateway.publishBallot(ballot, start),
    setOnline: (online) => gateway.setOnline(online),
  };
}

/** `suite`: the stand-in gateway's signature code (default @noble/curves; Node passes node:crypto, same bytes). */
export async function runInProcess(scenario: ScenarioSpec, onTrace?: ExecuteOptions["onTrace"], suite?: SignatureSuite): Promise<ScenarioResult> {
  const clock = new VirtualClock(0);
  const broker = new LinkBroker(clock);
  broker.recording = false;
  const gateway = new StandInGateway(broker, scenario.site, standInKeys(scenario.seed, scenario.site), () => scenario.start * 1000 + Math.floor(clock.now()), suite);
  return executeScenario(scenario, {
    clock,
    target: standInTarget(gateway),
    brokerUrl: "mqtt://broker.signet-sim.lan:1883",
    mqtt: () => broker.client(),
    drop: linkDrop(broker),
    onTrace,
  });
}
