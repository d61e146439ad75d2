// The board build, checked without the Moddable SDK: manifest.json must list
// every firmware module under the name its importers use (Moddable resolves
// a relative specifier against the importing module's name, and bare ones
// like "@noble/curves/ed25519.js" by exact name), and the named boards must
// be wired as the simulator wires its kiosk.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { KEYPAD_LAYOUT, KIOSK_PINS } from "../../simulator/device";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const manifest = JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8")) as {
  modules: Record<string, string>;
  preload: string[];
  platforms: Record<string, { config?: { signet: Record<string, string | number> } }>;
};

/** Moddable modules the firmware imports from the SDK (declared in @moddable/typings). */
const SDK_MODULES = ["mc/config", "instrumentation", "time", "timer", "preference", "sntp", "wifi", "net"];

/** The module name mcconfig gives a firmware source file, from the manifest's `modules` map. */
function moduleNameOf(file: string): string | undefined {
  const rel = `./${relative(ROOT, file).replace(/\\/g, "/").replace(/\.(ts|js)$/, "")}`;
  for (const [target, source] of Object.entries(manifest.modules)) {
    if (source === rel) return target === "*" ? posix.basename(rel) : target;
    if (target.endsWith("/*") && source.endsWith("/*") && posix.dirname(rel) === source.slice(0, -2)) return `${target.slice(0, -2)}/${posix.basename(rel)}`;
  }
  return undefined;
}

function firmwareSources(dir = join(ROOT, "firmware")): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return firmwareSources(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

describe("manifest.json (board build)", () => {
  it("lists every firmware module, and every module the board entry imports resolves to a listed name", async () => {
    for (const file of firmwareSources()) expect(moduleNameOf(file), relative(ROOT, file)).toBeDefined();

    const result = await build({
      entryPoints: [join(ROOT, "firmware/main.ts")],
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "neutral",
      mainFields: ["module", "main"],
      conditions: ["import", "default"],
      external: [...SDK_MODULES, "embedded:*"],
      logLevel: "silent",
    });
    const names = new Set(Object.keys(manifest.modules).filter((k) => !k.includes("*")));
    for (const file of firmwareSources()) names.add(moduleNameOf(file)!);
    let checked = 0;
    for (const [input, info] of Object.entries(result.metafile.inputs)) {
      const importer = moduleNameOf(join(ROOT, input)) ?? input.replace(/^node_modules\//, "");
      for (const imp of info.imports) {
        if (imp.external) {
          expect([...SDK_MODULES, "embedded:network/mqtt/client"].some((m) => imp.path === m) || imp.path.startsWith("embedded:"), `${input} imports ${imp.path}`).toBe(true);
          continue;
        }
        const spec = (imp.original ?? imp.path) as string;
        const name = spec.startsWith(".") ? posix.join(posix.dirname(importer), spec) : spec;
        expect(names.has(name) || names.has(name.replace(/\.js$/, "")), `${input}: "${spec}" → module "${name}" is not in manifest.json`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    for (const p of manifest.preload) expect(names.has(p), `preload ${p}`).toBe(true);
  });

  it("builds for esp32 (ESP32-WROOM-32SE DevKit) wired as the simulated kiosk, and for esp32/esp32c6 with the same settings", () => {
    const wroom = manifest.platforms.esp32.config!.signet;
    const c6 = manifest.platforms["esp32/esp32c6"].config!.signet;
    expect(Object.keys(c6).sort()).toEqual(Object.keys(wroom).sort()); // the subplatform replaces every setting
    expect(wroom.keypadRows).toBe(KIOSK_PINS.keypadRows.join(","));
    expect(wroom.keypadColumns).toBe(KIOSK_PINS.keypadColumns.join(","));
    expect(wroom.keypadLabels).toBe(KEYPAD_LAYOUT.join(","));
    expect(wroom.buttons).toBe(Object.entries(KIOSK_PINS.buttons).map(([n, p]) => `${n}:${p}`).join(","));
    const f = KIOSK_PINS.fingerprint;
    expect(wroom.fingerprint).toBe([f.port, f.receive, f.transmit, f.baud].join(","));
    const se = KIOSK_PINS.secureElement;
    expect(wroom.secureElement).toBe([se.port, se.data, se.clock, se.address].join(","));
    expect(wroom.pulses).toBe(KIOSK_PINS.pulses.map((p) => `${p.channel}:${p.pin}`).join(","));
    for (const config of [wroom, c6]) {
      const pins = [config.keypadRows, config.keypadColumns, String(config.buttons).replace(/[a-z0-9]+:/g, ""), String(config.leds).replace(/[a-z]+:/g, ""), String(config.pulses).replace(/[0-9]+:/g, "")]
        .join(",")
        .split(",")
        .map(Number);
      expect(new Set(pins).size, `${config.board}: a pin is used twice`).toBe(pins.length);
    }
  });
});
