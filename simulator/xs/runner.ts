// Runs firmware TypeScript on Moddable's XS engine: esbuild bundles an entry
// module for XS, a wrapper import()s it (xsnap -m prints nothing when a module
// fails to load) and the XS program prints its result as one tagged JSON line.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const XSNAP = join(ROOT, "build", "xs", "bin", "lin", "release", "xsnap");

const RESULT = "\u0001signet-result ";
const FAILURE = "\u0001signet-error ";

export function xsAvailable(): boolean {
  return existsSync(XSNAP);
}

/**
 * Bundles `entry` (and everything it imports) as one ES module for XS.
 * XS 13.3 throws on a class whose static field constructs the class before an
 * instance field is set up, as @noble/curves' point classes do, so static
 * fields are lowered.
 */
export async function bundleForXs(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["import", "default"],
    target: "es2022",
    supported: { "class-static-field": false },
    legalComments: "none",
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

export interface XsRun<T> {
  readonly result: T;
  /** Everything else the program printed, line by line. */
  readonly output: string[];
}

export interface XsOptions {
  /** Metering limit in computrons (xsnap -l); the run fails when exceeded. */
  readonly meteringLimit?: number;
}

/**
 * Runs `export function main(input)` of the bundled `entry` on XS and returns
 * what it returned (JSON round-tripped). Errors thrown on XS come back as
 * errors here with XS's message and stack.
 */
export async function runOnXs<T = unknown>(entry: string, input: unknown = null, options: XsOptions = {}): Promise<XsRun<T>> {
  if (!xsAvailable()) throw new Error(`XS engine not built at ${XSNAP}: run npm install (it builds it from @agoric/xsnap)`);
  const dir = await mkdtemp(join(tmpdir(), "signet-xs-"));
  try {
    await writeFile(join(dir, "bundle.mjs"), await bundleForXs(entry));
    await writeFile(
      join(dir, "main.mjs"),
      `globalThis.signetInput = ${JSON.stringify(input)};
const fail = (e) => print(${JSON.stringify(FAILURE)} + JSON.stringify({ message: String(e && e.message || e), name: String(e && e.name), stack: String(e && e.stack || "") }));
import("./bundle.mjs").then(async (m) => {
  try {
    const result = await m.main(globalThis.signetInput);
    print(${JSON.stringify(RESULT)} + JSON.stringify(result === undefined ? null : result));
  } catch (e) { fail(e); }
}, fail);
`,
    );
    const args = options.meteringLimit ? ["-l", String(options.meteringLimit), "-m", "main.mjs"] : ["-m", "main.mjs"];
    const { stdout, stderr, code } = await exec(XSNAP, args, dir);
    const output: string[] = [];
    let result: { value: T } | undefined;
    for (const line of stdout.split("\n")) {
      if (line.startsWith(RESULT)) result = { value: JSON.parse(line.slice(RESULT.length)) as T };
      else if (line.startsWith(FAILURE)) {
        const e = JSON.parse(line.slice(FAILURE.length)) as { message: string; name: string; stack: string };
        const error = new Error(`on XS: ${e.name}: ${e.message}${e.stack ? `\n${e.stack}` : ""}`);
        throw error;
      } else if (line !== "") output.push(line);
    }
    if (!result) throw new Error(`XS run of ${entry} ended without a result (exit ${code})${stderr ? `: ${stderr.trim()}` : ""}${output.length ? `\n${output.join("\n")}` : ""}`);
    return { result: result.value, output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function exec(file: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(file, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolveRun({ stdout, stderr, code }));
  });
}
