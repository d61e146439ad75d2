// `signet roll`: electoral rolls on a gateway. A roll file is CSV (PROTOCOL
// §4.6); the gateway commits its SHA-256 as a `roll` record and serves the
// file at /log/blob/<sha256>, so anyone can check eligibility and weights.
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { parseRoll, RollError } from "../gateway/ballots/roll.ts";
import { admin, withConnection, type Connection } from "./device.ts";
import { CliError } from "./errors.ts";

export function rollCommand(): Command {
  const roll = new Command("roll").description("import and show electoral rolls (PROTOCOL §4.6)");
  withConnection(roll.command("import").description("import a roll file (CSV: voter,weight; sorted; LF) as the roll's next revision"))
    .requiredOption("--roll <id>", "roll id, as ballots name it")
    .argument("<roll.csv>", "the roll file")
    .action(async (file: string, o: Connection & { roll: string }) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      // The same check as the gateway's, before anything is sent: a bad row is named here already.
      try {
        parseRoll(bytes);
      } catch (e) {
        if (e instanceof RollError) throw new CliError(`${file}: ${e.message}`);
        throw e;
      }
      const r = (await admin(o, "POST", `/rolls/${encodeURIComponent(o.roll)}`, new Uint8Array(bytes), "text/csv")) as {
        roll: { id: string; rev: number; leaf: number; voters: number; weight: number; sha256: string };
        created: boolean;
      };
      const { id, rev, leaf, voters, weight, sha256 } = r.roll;
      process.stdout.write(`${r.created ? "imported" : "unchanged:"} roll ${id} rev ${rev}: ${voters} voters, total weight ${weight}, roll entry at leaf ${leaf}, file at /log/blob/${sha256}\n`);
    });
  withConnection(roll.command("show").description("a roll's revisions"))
    .requiredOption("--roll <id>", "roll id")
    .action(async (o: Connection & { roll: string }) => {
      const r = (await admin(o, "GET", `/rolls/${encodeURIComponent(o.roll)}`)) as { revisions: { rev: number; leaf: number; voters: number; weight: number; sha256: string }[] };
      for (const v of r.revisions) process.stdout.write(`rev ${v.rev}  leaf ${v.leaf}  ${v.voters} voters  weight ${v.weight}  sha256 ${v.sha256}\n`);
    });
  return roll;
}
