// The device use cases, run in Node and on XS: same observations on both
// engines, and the observations are what the use case demands.
import { describe, expect, it } from "vitest";
import { runOnXs, xsAvailable } from "../../simulator/xs/runner";
import { main, type UseCase } from "./xs/usecases";

const ENTRY = new URL("./xs/usecases.ts", import.meta.url).pathname;
const CASES: UseCase[] = ["pinVote", "fingerprintVote", "lockoutAndTimeout", "badBallotAndNack", "offlineVoteAcrossReboot", "powerCutAtEveryWrite", "meterAcrossReboot"];

describe("the device use cases on Node and on XS", () => {
  it("observe the same things on both engines, and the right things", async () => {
    const node = await main({ cases: CASES });
    expect(node).toMatchObject({
      pinVote: { votes: ["shareholder-12 yes pin"] },
      fingerprintVote: { votes: ["shareholder-12 no fp"] },
      lockoutAndTimeout: { lockout: "Wrong PIN. Voter 12 is locked for 30 s.", timedOut: "Timed out.", votes: 0 },
      badBallotAndNack: { afterForged: "Signet kiosk No ballot is open.", refused: "Vote refused. You have already voted in this ballot.", outbox: 0 },
      offlineVoteAcrossReboot: { stored: "Vote stored. It will be sent when the link is back.", queuedAfterBoot: 1, delivered: 1, committed: 1, outbox: 0 },
      powerCutAtEveryWrite: { problems: [] },
      meterAcrossReboot: { continuous: true, sumDEqualsCount: true, countedEqualsEmitted: true },
    });
    expect((node.pinVote as { screen: string }).screen).toMatch(/^Vote recorded Receipt: [A-Z2-7]{4}-[A-Z2-7]{4}$/);
    expect((node.lockoutAndTimeout as { stillLocked: string }).stillLocked).toMatch(/^Voter 12 is locked\. Try again in 2[0-9] s\.$/);
    expect((node.powerCutAtEveryWrite as { cuts: number }).cuts).toBeGreaterThanOrEqual(10);
    if (xsAvailable()) expect((await runOnXs(ENTRY, { cases: CASES })).result).toEqual(node);
  });
});
