// Regenerates messages.json: `npx tsx test/vectors/generate.ts`. Run it only
// when the protocol changes on purpose; the tests compare against the file.
import { writeFileSync } from "node:fs";
import { buildVectors } from "./build.ts";

const file = new URL("./messages.json", import.meta.url);
writeFileSync(file, `${JSON.stringify(buildVectors(), null, 2)}\n`);
console.log(`wrote ${file.pathname}`);
