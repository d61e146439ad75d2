// `npm run bench -- device`: the device application on XS, on the simulated
// kiosk with the emulated parts off the meter — CONFIRM to signed vote in the
// outbox (ATECC608A and software key; the first vote after boot apart), a
// fresh engine's first signature (when @noble/curves builds its tables), a
// meter reading, and the XS heap after boot and after 1,000 readings.
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { table } from "./measure.ts";
import { bundleForXs, runOnXs, XSNAP, xsAvailable } from "../simulator/xs/runner.ts";
import type { BenchInput, Cost } from "../test/device/xs/bench.ts";

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), "../test/device/xs/bench.ts");
/**
 * How much slower an ESP32 at 240 MHz runs the same XS code than this
 * machine: the CoreMark ratio of one desktop core (~40,000) to one ESP32 core
 * at 240 MHz (~650) is about 60; XS running from flash through the cache makes
 * it worse, so 80. Computrons alone undercount signing, whose BigInt
 * arithmetic is native (one computron per operation), so wall time carries
 * the estimate. An assumption to calibrate on a board, not a measurement.
 */
const ESP32_SLOWDOWN = 80;

const n = (x: number) => Math.round(x).toLocaleString("en-US");
const ms = (x: number) => x.toFixed(1);
const esp32 = (wallMs: number) => `${((wallMs * ESP32_SLOWDOWN) / 1000).toFixed(2)} s`;
const mean = (list: readonly Cost[]) => ({ computrons: list.reduce((a, c) => a + c.computrons, 0) / list.length, ms: list.reduce((a, c) => a + c.ms, 0) / list.length });

/** Runs the bench entry in xsnap and writes the engine's snapshot at exit: its size is the heap in use then. */
export async function heapAfter(input: BenchInput): Promise<{ bytes: number; result: { readings: number; first: Cost; later: Cost; outbox: number } }> {
  const dir = await mkdtemp(join(tmpdir(), "signet-bench-"));
  try {
    await writeFile(join(dir, "bundle.mjs"), await bundleForXs(ENTRY));
    await writeFile(
      join(dir, "main.mjs"),
      `import("./bundle.mjs").then(async (m) => { const r = await m.main(${JSON.stringify(input)}); gc(); print("\\u0001" + JSON.stringify(r)); }, (e) => print("\\u0002" + e + "\\n" + e.stack));\n`,
    );
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(XSNAP, ["-w", "snapshot.xss", "-m", "main.mjs"], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.on("error", reject);
      child.on("close", () => resolve(out));
    });
    const line = stdout.split("\n").find((l) => l.startsWith("\u0001"));
    if (!line) throw new Error(`XS bench run failed: ${stdout}`);
    return { bytes: (await stat(join(dir, "snapshot.xss"))).size, result: JSON.parse(line.slice(1)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  if (!xsAvailable()) throw new Error("XS engine not built: run npm install");

  const rows: string[][] = [["CONFIRM → signed vote in outbox (XS)", "computrons", "ms (this machine)", "ESP32 240 MHz (est.)"]];
  for (const key of ["atecc608a", "software"] as const) {
    const { result } = await runOnXs<{ boot: Cost; votes: Cost[] }>(ENTRY, { phase: "votes", key, votes: 11 } satisfies BenchInput);
    const label = key === "atecc608a" ? "ES256, ATECC608A" : "EdDSA, software key";
    rows.push([`${label}: boot to running`, n(result.boot.computrons), ms(result.boot.ms), esp32(result.boot.ms)]);
    rows.push([`${label}: first vote after boot`, n(result.votes[0].computrons), ms(result.votes[0].ms), esp32(result.votes[0].ms)]);
    const later = mean(result.votes.slice(1));
    rows.push([`${label}: later votes (mean of ${result.votes.length - 1})`, n(later.computrons), ms(later.ms), esp32(later.ms)]);
  }
  const cold = (await runOnXs<{ open: Cost; first: Cost; later: Cost }>(ENTRY, { phase: "cold" } satisfies BenchInput)).result;
  rows.push(["fresh engine: open software key (tables built)", n(cold.open.computrons), ms(cold.open.ms), esp32(cold.open.ms)]);
  rows.push(["fresh engine: first vote signature", n(cold.first.computrons), ms(cold.first.ms), esp32(cold.first.ms)]);
  rows.push(["fresh engine: second vote signature", n(cold.later.computrons), ms(cold.later.ms), esp32(cold.later.ms)]);
  table(rows);

  const idle = await heapAfter({ phase: "readings", readings: 0 });
  const warm = await heapAfter({ phase: "readings", readings: 100 });
  const busy = await heapAfter({ phase: "readings", readings: 1000 });
  const reading = busy.result.later;
  console.log("");
  table([
    ["meter reading (XS, EdDSA software key)", "computrons", "ms (this machine)", "ESP32 240 MHz (est.)"],
    ["first reading", n(busy.result.first.computrons), ms(busy.result.first.ms), esp32(busy.result.first.ms)],
    [`later readings (mean of ${busy.result.readings - 1})`, n(reading.computrons), ms(reading.ms), esp32(reading.ms)],
  ]);
  console.log("");
  table([
    ["XS heap (engine snapshot at exit, after gc)", "bytes", "readings signed", "outbox"],
    ["after boot (provisioned, idle)", n(idle.bytes), String(idle.result.readings), String(idle.result.outbox)],
    ["after 100 readings", n(warm.bytes), String(warm.result.readings), String(warm.result.outbox)],
    ["after 1,000 readings", n(busy.bytes), String(busy.result.readings), String(busy.result.outbox)],
    ["growth from 100 to 1,000 readings", n(busy.bytes - warm.bytes), "", ""],
  ]);
  console.log(
    [
      "",
      "Computrons: XS's deterministic metering count. The emulated parts (keypad matrix, I2C chip, UART module, meter) run off the meter;",
      "the virtual clock's own loop is on it (a few thousand computrons per timer: most of the ATECC608A path's count is waiting on the chip).",
      `ESP32 240 MHz (est.): XS wall time here × ${ESP32_SLOWDOWN} (CoreMark ratio of a desktop core to an ESP32 core, with a margin for XS in flash);`,
      "BigInt arithmetic is native on XS, so computrons undercount signing and wall time carries the estimate. Goal: a vote signed within 1 s",
      "of CONFIRM. ATECC608A rows: the wall time includes the emulated chip computing its P-256 signature in JavaScript (the board's chip",
      "does it in about 60 ms), so they are an upper bound; the computrons are the firmware's alone. The heap snapshot holds the",
      "simulator and the test gateway too: only the growth between snapshots is the firmware's.",
    ].join("\n"),
  );
}
