// Runs on XS: the cost of building and signing votes, the first (when
// @noble/curves builds its tables) apart from the rest.
import { fromHex, signPayload, type Alg } from "../../firmware/protocol/index";

declare function resetMeter(limit: number, interval: number): number;

export function main(input: { alg: Alg; key: string; votes: number }) {
  const key = fromHex(input.key);
  const runs: { computrons: number; ms: number }[] = [];
  for (let seq = 1; seq <= input.votes; seq++) {
    resetMeter(0, 0);
    const start = performance.now();
    signPayload(input.alg, "kiosk-07", { v: 1, t: "vote", dev: "kiosk-07", seq, ts: 1790000000 + seq, ballot: "agm-2026.item-3", choice: "yes", voter: "shareholder-118", auth: "pin" }, key);
    const ms = performance.now() - start;
    runs.push({ computrons: resetMeter(0, 0), ms });
  }
  return runs;
}
