// `signet ballot tally --recount`: an auditor's recount, written from PROTOCOL.md alone: read the whole log
// over the §7.4 HTTP API, check every signature with keys the log itself
// carries (config → administrators, device records → devices, the pinned
// gateway key → gateway records), fetch each roll file and check its hash,
// and count every ballot by the §4.6 tally rules. Deliberately shares no
// code with the gateway's ballot book or tally(): the end-to-end tests use it
// as the independent check of the gateway's tallies.
import { createHash } from "node:crypto";
import { decodeEntry, decodeSign1, parsePayload, toHex, verifySign1, type Alg, type Ballot, type TallyRecord } from "../firmware/protocol/index.ts";

export interface AuditedTally {
  readonly record: TallyRecord;
  readonly leaf: number;
  readonly recount: Omit<TallyRecord, "v" | "t" | "ts" | "size" | "ballot" | "rev">;
}

async function json<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return (await response.json()) as T;
}

export async function readLog(base: string): Promise<Uint8Array[]> {
  const size = Number((await (await fetch(`${base}/log/checkpoint`)).text()).split("\n")[1]);
  const entries: Uint8Array[] = [];
  while (entries.length < size) {
    const page = await json<{ entries: string[] }>(`${base}/log/entries?start=${entries.length}&end=${size}`);
    entries.push(...page.entries.map((e) => new Uint8Array(Buffer.from(e, "base64"))));
  }
  return entries;
}

/** Recounts every tallied ballot of the log at `base`, trusting only `gatewayKey` (32-byte Ed25519, pinned out of band). */
export async function audit(base: string, gatewayKey: Uint8Array): Promise<AuditedTally[]> {
  const entries = await readLog(base);
  let admins: { kid: string; alg: Alg; pub: Uint8Array }[] = [];
  const devices = new Map<string, { alg: Alg; pub: Uint8Array; active: boolean }>();
  const rolls = new Map<string, { leaf: number; at: number; weights: Map<string, number> }[]>();
  const ballots = new Map<string, { ballot: Ballot; firstLeaf: number }>();
  const votes: { leaf: number; ballot: string; voter: string; choice: string }[] = [];
  const tallies: { record: TallyRecord; leaf: number }[] = [];

  for (let leaf = 0; leaf < entries.length; leaf++) {
    const entry = decodeEntry(entries[leaf]);
    const sign1 = decodeSign1(entry.cose);
    if (entry.k === "msg") {
      const device = devices.get(sign1.kid);
      if (!device?.active) throw new Error(`leaf ${leaf}: a message from ${sign1.kid}, which is not an active device`);
      verifySign1(sign1, device.pub, device.alg);
      const p = parsePayload(sign1.payload);
      if (p.t === "vote") votes.push({ leaf, ballot: p.ballot, voter: p.voter, choice: p.choice });
      continue;
    }
    if (entry.k === "ballot") {
      const admin = admins.find((a) => a.kid === sign1.kid);
      if (!admin) throw new Error(`leaf ${leaf}: a ballot signed by ${sign1.kid}, not an administrator`);
      verifySign1(sign1, admin.pub, admin.alg);
      const ballot = parsePayload(sign1.payload, ["ballot"]);
      ballots.set(ballot.id, { ballot, firstLeaf: ballots.get(ballot.id)?.firstLeaf ?? leaf });
      continue;
    }
    verifySign1(sign1, gatewayKey, -8);
    const p = parsePayload(sign1.payload);
    if (p.t === "config") admins = p.admins.map((a) => ({ kid: a.kid, alg: a.alg, pub: a.pub }));
    else if (p.t === "device") devices.set(p.dev, { alg: p.alg, pub: p.pub, active: p.status === "active" });
    else if (p.t === "roll") {
      const file = new Uint8Array(await (await fetch(`${base}/log/blob/${toHex(p.sha256)}`)).arrayBuffer());
      if (createHash("sha256").update(file).digest("hex") !== toHex(p.sha256)) throw new Error(`leaf ${leaf}: roll ${p.id} file does not match its hash`);
      const weights = new Map<string, number>();
      for (const line of new TextDecoder().decode(file).split("\n").slice(1, -1)) {
        const [voter, weight] = line.split(",");
        weights.set(voter, Number(weight));
      }
      const revs = rolls.get(p.id) ?? [];
      revs.push({ leaf, at: entry.at, weights });
      rolls.set(p.id, revs);
    } else if (p.t === "tally") tallies.push({ record: p, leaf });
  }

  return tallies.map(({ record, leaf }) => {
    const { ballot, firstLeaf } = ballots.get(record.ballot)!;
    // The roll revision committed last before opens (or, for a ballot accepted already open, before its first revision).
    const revs = rolls.get(ballot.roll)!;
    const before = revs.filter((r) => r.at < ballot.opens * 1000);
    const roll = (before.length > 0 ? before : revs.filter((r) => r.leaf < firstLeaf)).at(-1)!.weights;
    const counts: Record<string, number> = Object.fromEntries(ballot.options.map((o) => [o.id, 0]));
    const voted = new Set<string>();
    for (const v of votes) {
      if (v.ballot !== ballot.id || v.leaf >= record.size || voted.has(v.voter)) continue;
      voted.add(v.voter);
      if (roll.has(v.voter) && v.choice in counts) counts[v.choice] += roll.get(v.voter)!;
    }
    const turnout = Object.values(counts).reduce((a, b) => a + b, 0);
    const eligible = [...roll.values()].reduce((a, b) => a + b, 0);
    const quorum = turnout * ballot.quorum.den >= eligible * ballot.quorum.num ? "met" : "missed";
    let outcome: string;
    if (quorum === "missed") outcome = "no-quorum";
    else if (ballot.rule.kind === "plurality") {
      const best = Math.max(...Object.values(counts));
      const winners = Object.keys(counts).filter((o) => counts[o] === best);
      outcome = winners.length === 1 ? winners[0] : "tie";
    } else {
      const { option, num, den, base } = ballot.rule;
      const weight = counts[option];
      outcome = weight > 0 && weight * den >= (base === "cast" ? turnout : eligible) * num ? "adopted" : "rejected";
    }
    return { record, leaf, recount: { counts, turnout, eligible, quorum, outcome } };
  });
}
