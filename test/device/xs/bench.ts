// Runs on XS for `npm run bench -- device`: what the firmware's JavaScript
// costs on the simulated kiosk, in XS computrons (deterministic) and in this
// machine's wall time. The emulated parts run off the meter
// (globalThis.signetDriverMeter): on a board they are hardware.
import { PROTOCOL_VERSION } from "../../../firmware/protocol/index";
import { signDeviceMessage } from "../../../firmware/app/signer";
import { SoftwareKeyStore } from "../../../firmware/drivers/softkey";
import { constantLoad } from "../../../simulator/hardware/load-profile";
import { SimFlash } from "../../../simulator/services/storage";
import { agmBallot, click, keys, nowSeconds, provisionedKiosk, wait, type Kiosk } from "../kiosk";

declare function resetMeter(limit: number, count: number): number;
declare const performance: { now(): number };

export interface Cost {
  readonly computrons: number;
  readonly ms: number;
}

export type BenchInput =
  | { readonly phase: "votes"; readonly key: "atecc608a" | "software"; readonly votes: number }
  | { readonly phase: "cold" }
  | { readonly phase: "readings"; readonly readings: number };

(globalThis as { signetDriverMeter?: boolean }).signetDriverMeter = true;

/** Measures from the CONFIRM press reaching the app to the signed vote written to the outbox. */
async function voteCost(k: Kiosk, voter: string, pin: string): Promise<Cost> {
  await keys(k, `#${voter}#${pin}#`);
  await click(k, "opt1");
  const kiosk = k.device.app.kiosk!;
  const buttons = k.device.current.parts.buttons!;
  const onPress = buttons.onPress!;
  const outbox = kiosk.outbox;
  const put = outbox.put.bind(outbox);
  let start = 0;
  let cost: Cost | undefined;
  buttons.onPress = (name) => {
    if (name === "confirm") {
      resetMeter(0, 0);
      start = performance.now();
    }
    onPress(name);
  };
  outbox.put = (bytes) => {
    const queued = put(bytes);
    if (queued.type === "vote") cost = { computrons: resetMeter(0, 0), ms: performance.now() - start };
    return queued;
  };
  await click(k, "confirm");
  await wait(k, 1000);
  buttons.onPress = onPress;
  outbox.put = put;
  if (!cost) throw new Error("the vote never reached the outbox");
  await keys(k, "#"); // next voter
  return cost;
}

export async function main(input: BenchInput): Promise<unknown> {
  if (input.phase === "cold") {
    // A fresh engine: nothing has used @noble/curves yet, as on a board just powered on.
    const storage = new SimFlash().mount();
    storage.set("devkey", new Uint8Array(32).fill(7));
    const store = new SoftwareKeyStore({ storage, name: "devkey" });
    const measure = async <T>(work: () => Promise<T>): Promise<Cost> => {
      resetMeter(0, 0);
      const start = performance.now();
      await work();
      return { computrons: resetMeter(0, 0), ms: performance.now() - start };
    };
    let key;
    const open = await measure(async () => (key = await store.open()));
    const vote = (seq: number) => signDeviceMessage(key!, { v: PROTOCOL_VERSION, t: "vote", dev: "kiosk-07", seq, ts: 1795305600 + seq, ballot: "agm-2026.item-3", choice: "yes", voter: "shareholder-12", auth: "pin" });
    const first = await measure(() => vote(1));
    const later = await measure(() => vote(2));
    return { open, first, later };
  }

  if (input.phase === "votes") {
    const k = await provisionedKiosk({ key: input.key, voters: [{ number: 12, id: "shareholder-12", pin: "4321" }] });
    k.gateway.publishBallot(agmBallot(nowSeconds(k)));
    await wait(k, 1000);
    // Power cycle: the first vote after boot, then later ones.
    k.device.powerCut();
    await wait(k, 1000);
    resetMeter(0, 0);
    const bootStart = performance.now();
    await k.clock.runUntil(k.device.boot());
    const boot: Cost = { computrons: resetMeter(0, 0), ms: performance.now() - bootStart };
    await wait(k, 5000);
    const votes: Cost[] = [];
    for (let i = 0; i < input.votes; i++) votes.push(await voteCost(k, "12", "4321"));
    return { boot, votes };
  }

  // Readings: per reading cost, and the heap after boot and after many readings (the caller snapshots the engine).
  const k = await provisionedKiosk({ key: "software", meters: [{ ch: 0, imp: 1000, profile: constantLoad(2400) }], voters: [{ number: 12, id: "shareholder-12", pin: "4321" }] });
  k.gateway.verifying = false;
  k.gateway.keeping = false;
  k.broker.recording = false;
  const kiosk = k.device.app.kiosk!;
  // Running sums, not a list: the measurement must not grow the heap it measures.
  let readings = 0;
  let first: Cost | undefined;
  const later = { computrons: 0, ms: 0 };
  const outbox = kiosk.outbox;
  const put = outbox.put.bind(outbox);
  let start = 0;
  const sample = kiosk.sampler.sample.bind(kiosk.sampler);
  kiosk.sampler.sample = () => {
    resetMeter(0, 0);
    start = performance.now();
    return sample();
  };
  outbox.put = (bytes) => {
    const queued = put(bytes);
    const computrons = resetMeter(0, 0);
    const ms = performance.now() - start;
    if (readings++ === 0) first = { computrons, ms };
    else {
      later.computrons += computrons;
      later.ms += ms;
    }
    return queued;
  };
  await wait(k, input.readings * 60_000 + 1000);
  k.device.console.output.length = 0;
  k.device.display.history.length = 0;
  (globalThis as { kiosk?: Kiosk }).kiosk = k; // keep the device alive for the engine's snapshot
  const n = Math.max(1, readings - 1);
  return { readings, first, later: { computrons: later.computrons / n, ms: later.ms / n }, outbox: outbox.size };
}
