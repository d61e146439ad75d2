// `npm run bench -- drivers`: what the drivers cost on XS (the board's
// engine), in computrons, next to one SHA-256 block measured in the same run;
// and the fastest S0 pulse train the software counting path follows without
// losing a pulse in the emulator, for the default filter and without it.
import { S0Input } from "../firmware/drivers/s0.ts";
import { VirtualBoard } from "../simulator/hardware/board.ts";
import { csvLoad } from "../simulator/hardware/load-profile.ts";
import { S0Meter } from "../simulator/hardware/s0meter.ts";
import { runOnXs, xsAvailable } from "../simulator/xs/runner.ts";
import { table } from "./measure.ts";

const PULSES = 200;

/** Whether every one of PULSES back-to-back pulses of `widthMs` (on and off) is counted. */
function countsEvery(widthMs: number, minPulseMs: number, interruptLatencyMs: number): boolean {
  const board = new VirtualBoard({ interruptLatencyMs });
  // Energy for PULSES + ½ impulses (1000 imp/kWh: 1 Wh each), due at twice the output's rate so they queue back to back.
  const watts = (1000 / (2 * widthMs)) * 2 * 3_600;
  const seconds = ((PULSES + 0.5) * 3_600) / watts;
  const meter = new S0Meter(board, { pin: 39, profile: csvLoad(`0,${watts}\n${seconds},0`), pulseMs: widthMs, gapMs: widthMs });
  const input = new S0Input({ channel: 0, input: { io: board.Digital, pin: 39 }, timers: board.clock, minPulseMs });
  board.clock.advance(PULSES * 2 * widthMs + 10 * widthMs + 10 * interruptLatencyMs);
  if (meter.emitted !== PULSES) throw new Error(`the meter gave ${meter.emitted} pulses, expected ${PULSES}`);
  return input.read() === PULSES;
}

/** The narrowest pulse width (ms, to 1 %) at which nothing is lost. */
function narrowestWidth(minPulseMs: number, interruptLatencyMs: number): number {
  let good = 200;
  let bad = 0.001;
  if (!countsEvery(good, minPulseMs, interruptLatencyMs)) return NaN;
  while (good / bad > 1.01) {
    const mid = Math.sqrt(good * bad);
    if (countsEvery(mid, minPulseMs, interruptLatencyMs)) good = mid;
    else bad = mid;
  }
  return good;
}

export async function run(): Promise<void> {
  if (!xsAvailable()) throw new Error("XS engine not built: run npm install");
  const { result } = await runOnXs<Record<string, number>>(new URL("../test/drivers/xs/costs.ts", import.meta.url).pathname, null);
  const base = result.baselineSha256;
  const row = (name: string, computrons: number, note = ""): string[] => [name, computrons.toLocaleString("en-US"), `${(computrons / base).toFixed(3)}×`, note];
  console.log(`XS cost of the driver's own JavaScript (IO, timer queue and emulated parts off the meter; ${result.meterSwitch} computrons per meter switch taken off)`);
  table([
    ["operation", "computrons", "vs SHA-256 block", ""],
    row("baseline: sha256Digest(64 bytes)", base),
    row("keypad: one scan, 4×3, one key held", result.keypadScan, "24 Digital calls + debounce"),
    row("fingerprint: one identify transaction", result.fingerprintIdentify, `GenImg, Img2Tz, Search; ${result.fingerprintIdentifyTimers} timers`),
    row("ATECC608A: one sign transaction", result.ateccSign, `SHA-256 of 200 B, wake, Nonce, Sign, low-S; ${result.ateccSignTimers} timers`),
    row("S0: pulse-count read", result.pulseRead),
    row("S0: edges of one pulse (2 interrupts)", result.pulseEdges),
  ]);

  console.log("");
  console.log(`Fastest S0 pulse train counted without loss (${PULSES} pulses, on = off = width; emulator)`);
  const cases: [string, number, number][] = [
    ["default filter 25 ms, interrupt latency 0.05 ms", 25, 0.05],
    ["default filter 25 ms, busy event loop (latency 5 ms)", 25, 5],
    ["no filter, interrupt latency 0.05 ms", 0, 0.05],
    ["no filter, busy event loop (latency 5 ms)", 0, 5],
  ];
  const rows = [["path", "narrowest pulse", "max rate"]];
  for (const [name, filter, latency] of cases) {
    const width = narrowestWidth(filter, latency);
    rows.push([name, `${width.toFixed(3)} ms`, `${(1000 / (2 * width)).toFixed(1)} Hz`]);
  }
  table(rows);
  console.log("DIN 43864 meters pulse ≥ 30 ms on and off, at most ~16.7 Hz: the default path has margin.");
}
