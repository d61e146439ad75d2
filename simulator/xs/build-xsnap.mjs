#!/usr/bin/env node
// Builds Moddable's XS engine (the standalone `xsnap` program, XS 13.x) from
// the C sources that the npm package @agoric/xsnap ships. Runs at
// `npm install`; a rebuild is skipped when the binary is newer than its sources.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(join(root, "package.json"));
const pkg = dirname(require.resolve("@agoric/xsnap/package.json"));
const moddable = join(pkg, "moddable");
const makefiles = join(pkg, "xsnap-native", "xsnap", "makefiles", "lin");
const buildDir = join(root, "build", "xs");
const binary = join(buildDir, "bin", "lin", "release", "xsnap");

if (process.platform !== "linux") {
  console.error(`signet: building XS is scripted for Linux only (this is ${process.platform}); XS tests will be unavailable`);
  process.exit(0);
}
const source = join(pkg, "xsnap-native", "xsnap", "sources", "xsnap.c");
if (existsSync(binary) && statSync(binary).mtimeMs > statSync(source).mtimeMs) {
  process.exit(0);
}
mkdirSync(buildDir, { recursive: true });
const make = spawnSync(
  "make",
  ["-f", "xsnap.mk", "GOAL=release", `MODDABLE=${moddable}`, `BUILD_DIR=${buildDir}`, "-j2"],
  { cwd: makefiles, stdio: ["ignore", "ignore", "inherit"] },
);
if (make.status !== 0 || !existsSync(binary)) {
  console.error("signet: building the XS engine failed (needs make and a C compiler)");
  process.exit(1);
}
console.error(`signet: built XS engine at ${binary}`);
