// One device scenario, run the same way in Node and on XS (test/device/xs.test.ts):
// provisioning over the console, a ballot, two PIN votes, a lockout, an offline
// vote across a power cut, reboots, meter readings. It returns every signed message the gateway
// received, as hex, so the two engines can be compared byte for byte. The
// keys (the emulated ATECC608A's generator), the PIN salts and the clock are
// all seeded, so the run is deterministic.
import { toHex } from "../../../firmware/protocol/index";
import { constantLoad } from "../../../simulator/hardware/load-profile";
import { agmBallot, click, keys, nowSeconds, provisionedKiosk, screen, wait } from "../kiosk";

export interface ScenarioResult {
  readonly messages: string[];
  readonly screens: string[];
  readonly outbox: number;
}

export async function main(input: { key?: "atecc608a" | "software" } | null): Promise<ScenarioResult> {
  const k = await provisionedKiosk({ auth: "pin", meters: [{ ch: 0, imp: 1000, profile: constantLoad(1800) }], key: input?.key });
  const screens: string[] = [];
  k.gateway.publishBallot(agmBallot(nowSeconds(k)));
  await wait(k, 1000);
  screens.push(screen(k));
  await keys(k, "#12#4321#");
  await click(k, "opt1");
  await click(k, "confirm");
  await wait(k, 2000);
  screens.push(screen(k));
  await wait(k, 2 * 60_000);
  await k.clock.runUntil(k.device.reboot());
  await wait(k, 5000);
  await keys(k, "#7#2468#");
  await click(k, "opt2");
  await click(k, "confirm");
  await wait(k, 2000);
  screens.push(screen(k));
  // Wrong PIN three times: locked out, and told for how long.
  await keys(k, "#12#1111#2222#3333#");
  screens.push(screen(k));
  // An offline vote, then a power cut and a cold boot: delivered once after reconnecting.
  await wait(k, 31_000);
  k.broker.up = false;
  await keys(k, "#12#4321#");
  await click(k, "opt3");
  await click(k, "confirm");
  await wait(k, 1000);
  screens.push(screen(k));
  k.device.powerCut();
  await wait(k, 10_000);
  await k.clock.runUntil(k.device.boot());
  k.broker.up = true;
  await wait(k, 6 * 60_000); // reconnect, flush, readings and a status
  return {
    messages: k.gateway.received.map((r) => `${r.topic} ${toHex(r.bytes)}`),
    screens,
    outbox: k.device.app.kiosk!.outbox.size,
  };
}

