// `signet ballot`: what an administrator does with ballots. `sign` works
// offline: a ballot definition in YAML or JSON becomes a COSE_Sign1 message
// signed by the administrator's key, ready to publish through a gateway.
import { readFileSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { ProtocolError, encodePayload, parsePayload, signSign1, type Ballot } from "../firmware/protocol/index.ts";
import { CliError } from "./errors.ts";
import { readKeyFile } from "./keyfile.ts";

export function ballotCommand(): Command {
  const ballot = new Command("ballot").description("sign and manage ballots (PROTOCOL §4.5)");
  ballot
    .command("sign")
    .description("sign a ballot definition (YAML or JSON) with an administrator key; writes the COSE_Sign1 bytes")
    .requiredOption("--key <file>", "administrator key file (from `signet key generate`)")
    .option("--out <file>", "write here instead of standard output")
    .option("--ts <unix seconds>", "signing time (default: now)")
    .argument("<definition>", "ballot file: id, rev, title, options, opens, closes, rule, quorum, roll")
    .action((file: string, opts: { key: string; out?: string; ts?: string }) => {
      const key = readKeyFile(opts.key);
      const payload = readBallot(file, opts.ts === undefined ? Math.floor(Date.now() / 1000) : Number(opts.ts));
      const cose = signSign1(key.alg, key.kid, encodePayload(payload), key.privateKey);
      if (opts.out) writeFileSync(opts.out, cose);
      else if (process.stdout.isTTY) throw new CliError("refusing to write binary COSE to a terminal: use --out FILE or redirect (> ballot.cose)");
      else process.stdout.write(cose);
    });
  return ballot;
}

/** Reads a ballot definition; times may be Unix seconds or ISO 8601 dates. Errors name the field. */
export function readBallot(file: string, ts: number): Ballot {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new CliError(`${file}: expected a mapping of ballot fields`);
  const fields = { v: 1, t: "ballot", ts, ...(doc as object) } as { [key: string]: unknown };
  for (const when of ["opens", "closes"]) fields[when] = toUnixSeconds(fields[when], `${file}: ${when}`);
  try {
    return parsePayload(fields as never, ["ballot"]);
  } catch (e) {
    if (e instanceof ProtocolError) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
}

function toUnixSeconds(value: unknown, what: string): unknown {
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (typeof value === "string" && !/^[0-9]+$/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new CliError(`${what}: ${JSON.stringify(value)} is neither Unix seconds nor an ISO 8601 date`);
    return Math.floor(ms / 1000);
  }
  return typeof value === "string" ? Number(value) : value;
}
