// The device use cases of issue 4, as one program that runs unchanged in
// Node and on XS (test/device/xs.test.ts). Each returns what a voter, the
// gateway or an auditor would observe; the test compares both engines and
// checks the observations.
import { toHex } from "../../../firmware/protocol/index";
import { constantLoad } from "../../../simulator/hardware/load-profile";
import { ROGUE_KEY } from "../gateway";
import { agmBallot, click, keys, nowSeconds, provisionedKiosk, screen, touch, wait, type Kiosk } from "../kiosk";

async function ballot(k: Kiosk): Promise<void> {
  k.gateway.publishBallot(agmBallot(nowSeconds(k)));
  await wait(k, 1000);
}

async function vote(k: Kiosk, start: string, option: string): Promise<void> {
  await keys(k, start);
  await click(k, option);
  await click(k, "confirm");
  await wait(k, 1500);
}

export async function pinVote() {
  const k = await provisionedKiosk({ key: "software" });
  await ballot(k);
  await vote(k, "#12#4321#", "opt1");
  return { screen: screen(k), votes: k.gateway.messages("vote").map((v) => `${v.payload.voter} ${v.payload.choice} ${v.payload.auth}`) };
}

export async function fingerprintVote() {
  const k = await provisionedKiosk({ key: "software", auth: "fp" });
  await ballot(k);
  await keys(k, "#");
  await touch(k, "alice-right-index");
  await click(k, "opt2");
  await click(k, "confirm");
  await wait(k, 1500);
  return { screen: screen(k), votes: k.gateway.messages("vote").map((v) => `${v.payload.voter} ${v.payload.choice} ${v.payload.auth}`) };
}

export async function lockoutAndTimeout() {
  const k = await provisionedKiosk({ key: "software" });
  await ballot(k);
  await keys(k, "#12#1111#2222#3333#");
  const lockout = screen(k);
  await wait(k, 10_000);
  await keys(k, "#12#");
  const stillLocked = screen(k);
  await wait(k, 30_000);
  await keys(k, "#7#2468#");
  await click(k, "opt1");
  await wait(k, 30_000);
  return { lockout, stillLocked, timedOut: screen(k), votes: k.gateway.messages("vote").length };
}

export async function badBallotAndNack() {
  const k = await provisionedKiosk({ key: "software" });
  k.gateway.publishBallot({ ...agmBallot(nowSeconds(k)), id: "forged" }, ROGUE_KEY);
  await wait(k, 1000);
  const afterForged = screen(k);
  await ballot(k);
  k.gateway.nacks.set(-1, "already-voted");
  await vote(k, "#12#4321#", "opt1");
  return { afterForged, refused: screen(k), outbox: k.device.app.kiosk!.outbox.size };
}

export async function offlineVoteAcrossReboot() {
  const k = await provisionedKiosk({ key: "software" });
  await ballot(k);
  k.broker.up = false;
  await wait(k, 1000);
  await vote(k, "#12#4321#", "opt3");
  const stored = screen(k);
  k.device.powerCut();
  await wait(k, 5000);
  await k.clock.runUntil(k.device.boot());
  const queuedAfterBoot = k.device.app.kiosk!.outbox.size;
  k.broker.up = true;
  await wait(k, 70_000);
  await wait(k, 300_000);
  return { stored, queuedAfterBoot, delivered: k.gateway.messages("vote").length, committed: k.gateway.committed, outbox: k.device.app.kiosk!.outbox.size };
}

/** A power cut at every storage write of a vote: returns every violation found (none expected) and how many cuts were tried. */
export async function powerCutAtEveryWrite() {
  const problems: string[] = [];
  let cuts = 0;
  for (let atWrite = 1; atWrite <= 5; atWrite++) {
    for (const lands of [false, true]) {
      const k = await provisionedKiosk({ key: "software" });
      await ballot(k);
      k.device.current.storage.armPowerCut({ atWrite, lands });
      const from = k.device.display.history.length;
      await keys(k, "#12#1111#");
      await vote(k, "4321#", "opt1");
      if (k.device.on) continue; // the vote took fewer writes
      cuts++;
      const confirmed = ["Vote sent", "Vote stored", "Vote recorded"].some((t) => k.device.display.shown(t, from));
      await wait(k, 5000);
      await k.clock.runUntil(k.device.boot());
      await wait(k, 70_000);
      const where = `cut at write ${atWrite}${lands ? " (landed)" : ""}`;
      if (confirmed && k.gateway.messages("vote").length === 0) problems.push(`${where}: confirmed vote lost`);
      if (k.gateway.committed > 1) problems.push(`${where}: committed twice`);
      const seen = new Map<number, string>();
      const highest = Math.max(0, ...k.gateway.received.map((r) => r.payload.seq));
      await vote(k, "#7#2468#", "opt2");
      for (const r of k.gateway.received) {
        const hex = toHex(r.bytes);
        if (seen.has(r.payload.seq) && seen.get(r.payload.seq) !== hex) problems.push(`${where}: seq ${r.payload.seq} reused`);
        seen.set(r.payload.seq, hex);
      }
      const last = k.gateway.messages("vote").at(-1);
      if (!last || last.payload.voter !== "shareholder-7" || last.payload.seq <= highest) problems.push(`${where}: next vote missing or seq not above ${highest}`);
    }
  }
  return { cuts, problems };
}

export async function meterAcrossReboot() {
  const k = await provisionedKiosk({ key: "software", meters: [{ ch: 0, imp: 1000, profile: constantLoad(3600) }] });
  const meter = k.hardware.meters.get(0)!;
  const emitted0 = meter.emitted;
  const count0 = k.device.app.kiosk!.sampler.count(0)!;
  await wait(k, 3 * 60_000 + 30_000);
  await k.clock.runUntil(k.device.reboot());
  await wait(k, 3 * 60_000);
  const list = k.gateway.messages("reading").map((r) => r.payload);
  let continuous = true;
  for (let i = 1; i < list.length; i++) if (list[i].count !== list[i - 1].count + list[i].d || list[i].from !== list[i - 1].to) continuous = false;
  const sumD = list.reduce((a, r) => a + r.d, 0);
  return {
    readings: list.length,
    continuous,
    sumDEqualsCount: sumD === list.at(-1)!.count,
    countedEqualsEmitted: k.device.app.kiosk!.sampler.count(0)! - count0 === meter.emitted - emitted0,
  };
}

const CASES = { pinVote, fingerprintVote, lockoutAndTimeout, badBallotAndNack, offlineVoteAcrossReboot, powerCutAtEveryWrite, meterAcrossReboot };
export type UseCase = keyof typeof CASES;

export async function main(input: { cases: UseCase[] }): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const name of input.cases) out[name] = await CASES[name]();
  return out;
}
