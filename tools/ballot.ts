// `signet ballot`: what an administrator does with ballots. `sign` works
// offline: a ballot definition in YAML or JSON becomes a COSE_Sign1 message
// signed by the administrator's key, ready to publish through a gateway.
import { readFileSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { ProtocolError, encodePayload, parsePayload, signSign1, type Ballot } from "../firmware/protocol/index.ts";
import { admin, withConnection, type Connection } from "./device.ts";
import { CliError } from "./errors.ts";
import { parseVerifierKey } from "../gateway/ledger/checkpoint.ts";
import { audit } from "./recount.ts";
import { readKeyFile } from "./keyfile.ts";

interface BallotView {
  id: string;
  rev: number;
  title: string;
  status: string;
  options: { id: string; label: string }[];
  opens: number;
  closes: number;
  turnout: number;
  eligible: number;
  votes: number;
  result: { counts: Record<string, number>; outcome: string; quorum: string; leaf: number; size: number; explanation: string } | null;
}

/** A public read API call (no token). */
async function read(gateway: string, path: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(path, gateway));
  } catch (e) {
    throw new CliError(`cannot reach the gateway at ${gateway}: ${(e as Error).cause ?? (e as Error).message}`, 1);
  }
  const json = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new CliError(`the gateway answered ${response.status}: ${json.error ?? "no reason given"}`, 1);
  return json;
}

async function recount(gateway: string, id: string, pinned?: string): Promise<void> {
  let keyText = pinned;
  if (keyText === undefined) {
    keyText = (await (await fetch(new URL("/log/key", gateway))).text()).trim();
    process.stdout.write(`(trusting the key the gateway serves; pin it with --key)\n`);
  }
  let publicKey: Uint8Array;
  try {
    publicKey = parseVerifierKey(keyText).publicKey;
  } catch (e) {
    throw new CliError(`--key: ${(e as Error).message}`);
  }
  let tallies;
  try {
    tallies = await audit(gateway, publicKey);
  } catch (e) {
    throw new CliError(`the log does not check out: ${(e as Error).message}`, 1);
  }
  const mine = tallies.find((t) => t.record.ballot === id);
  if (!mine) throw new CliError(`ballot ${id} has no tally in the log yet (results come at close)`, 1);
  const { record, recount: counted } = mine;
  const signed = { counts: record.counts, turnout: record.turnout, eligible: record.eligible, quorum: record.quorum, outcome: record.outcome };
  const canonical = (t: typeof signed) => JSON.stringify([Object.entries(t.counts).sort(), t.turnout, t.eligible, t.quorum, t.outcome]);
  const same = canonical(signed) === canonical(counted);
  process.stdout.write(`recounted ${id} from the log (every signature checked): ${JSON.stringify(counted)}\n`);
  if (!same) throw new CliError(`the gateway's signed tally at leaf ${mine.leaf} differs: ${JSON.stringify(signed)}`, 1);
  process.stdout.write(`equal to the gateway's signed tally at leaf ${mine.leaf}\n`);
}

function when(unix: number): string {
  return new Date(unix * 1000).toISOString().replace(".000Z", "Z");
}

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

  withConnection(ballot.command("publish").description("submit a signed ballot to a gateway: committed to its log, then published to the kiosks"))
    .argument("<ballot.cose>", "the signed ballot (from `signet ballot sign`)")
    .action(async (file: string, o: Connection) => {
      const cose = readFileSync(file);
      const r = (await admin(o, "POST", "/ballots", { cose: cose.toString("base64") })) as { ballot: BallotView; leaf: number };
      process.stdout.write(`published ${r.ballot.id} rev ${r.ballot.rev} (${r.ballot.status}): ballot entry at leaf ${r.leaf}\n`);
    });

  ballot
    .command("list")
    .description("list a gateway's ballots (public read API, no token)")
    .requiredOption("--gateway <url>", "the gateway's HTTP address")
    .option("--json", "print the API's JSON")
    .action(async (o: { gateway: string; json?: boolean }) => {
      const { ballots } = (await read(o.gateway, "/api/ballots")) as { ballots: BallotView[] };
      if (o.json) return void process.stdout.write(`${JSON.stringify({ ballots }, null, 2)}\n`);
      for (const b of ballots)
        process.stdout.write(`${b.id}  rev ${b.rev}  ${b.status.padEnd(9)}  ${when(b.opens)} → ${when(b.closes)}  turnout ${b.turnout}/${b.eligible}${b.result ? `  outcome ${b.result.outcome}` : ""}  ${b.title}\n`);
      if (ballots.length === 0) process.stdout.write("no ballots\n");
    });

  ballot
    .command("tally")
    .description("a ballot's result: the gateway's signed tally after close, live turnout before (public read API, no token)")
    .requiredOption("--gateway <url>", "the gateway's HTTP address")
    .option("--json", "print the API's JSON")
    .option("--recount", "recount the ballot from the log's signed entries (§4.6), checking every signature, and compare with the gateway's tally")
    .option("--key <verifier key>", "with --recount: the gateway's verifier key, pinned out of band (default: the one the gateway serves at /log/key)")
    .argument("<id>", "ballot id")
    .action(async (id: string, o: { gateway: string; json?: boolean; recount?: boolean; key?: string }) => {
      const b = (await read(o.gateway, `/api/ballots/${encodeURIComponent(id)}`)) as BallotView;
      if (o.recount) return recount(o.gateway, id, o.key);
      if (o.json) return void process.stdout.write(`${JSON.stringify(b, null, 2)}\n`);
      process.stdout.write(`${b.title} (${b.id} rev ${b.rev}) — ${b.status}\n`);
      if (b.result === null) {
        process.stdout.write(`turnout so far ${b.turnout} of ${b.eligible} eligible (${b.votes} votes); the result is published at close, ${when(b.closes)}\n`);
        return;
      }
      for (const option of b.options) process.stdout.write(`  ${option.label.padEnd(24)} ${b.result.counts[option.id] ?? 0}\n`);
      process.stdout.write(`outcome: ${b.result.outcome} (quorum ${b.result.quorum}); tally entry at leaf ${b.result.leaf}, counting votes below leaf ${b.result.size}\n${b.result.explanation}\n`);
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
