// `npm run bench -- NAME`: runs bench/NAME.bench.ts, which prints its figures
// next to a baseline measured in the same run.
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .sort();
const names = process.argv.slice(2);
if (names.length === 0 || names.some((n) => !available.includes(n))) {
  const unknown = names.filter((n) => !available.includes(n));
  console.error(`${unknown.length ? `unknown benchmark ${unknown.join(", ")}; ` : ""}usage: npm run bench -- NAME   (NAME: ${available.join(", ")})`);
  process.exit(2);
}
for (const name of names) {
  console.log(`# ${name}`);
  const mod = (await import(pathToFileURL(`${here}/${name}.bench.ts`).href)) as { run(): Promise<void> };
  await mod.run();
}
