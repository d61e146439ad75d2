// The ballot book: rolls and ballots as the log has them, rule 9 for votes,
// and the tally at close. Admin changes (a roll revision, a ballot revision)
// are gateway records committed by the scan cycle; votes are admitted in the
// cycle and counted at close with the pure `tally()` of PROTOCOL §4.6.
//
// Which roll revision a ballot counts with (§4.6: "committed last before
// opens"): the latest revision of its roll committed before `opens`; when the
// ballot was accepted already open and none is, the latest committed before
// the ballot's first revision. Both are decidable from the log alone.
import type { Database } from "better-sqlite3";
import {
  ProtocolError,
  ballotTopic,
  decodeEntry,
  decodeSign1,
  MAX_BALLOT,
  parsePayload,
  toHex,
  verifySign1,
  type Ballot,
  type EntryKind,
  type RejectReason,
  type RollRecord,
  type TallyRecord,
} from "../../firmware/protocol/index.ts";
import type { GatewayKey } from "../key.ts";
import type { BlobStore } from "../ledger/blobs.ts";
import type { AcceptedMessage, CycleContext, CycleLogic } from "../scan.ts";
import type { VerifiedMessage } from "../verify.ts";
import { explainResult } from "./explain.ts";
import { parseRoll, RollError, type Roll } from "./roll.ts";
import { tally, type TallyResult } from "./tally.ts";

/** A refused admin request: `status` is the HTTP status, `field` the input at fault. */
export class BallotError extends Error {
  readonly status: 400 | 404 | 409;
  readonly field: string;
  constructor(status: 400 | 404 | 409, field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "BallotError";
    this.status = status;
    this.field = field;
  }
}

export interface RollRevision {
  readonly id: string;
  readonly rev: number;
  readonly leaf: number;
  /** Entry time, Unix ms. */
  readonly at: number;
  readonly sha256: string;
  readonly size: number;
  readonly voters: number;
  readonly weight: number;
}

export type BallotStatus = "scheduled" | "open" | "closed";

/** The signed tally record's result fields, with where it sits in the log and the rule in words. */
export interface BallotResult extends Pick<TallyRecord, "counts" | "turnout" | "eligible" | "quorum" | "outcome" | "size"> {
  /** Index of the tally entry. */
  readonly leaf: number;
  readonly explanation: string;
}

/** A ballot as the read API shows it: the definition's fields of its latest revision, and its state. */
export interface BallotView extends Pick<Ballot, "id" | "rev" | "title" | "options" | "opens" | "closes" | "rule" | "quorum" | "roll"> {
  readonly status: BallotStatus;
  /** Counted weight so far (live while open). */
  readonly turnout: number;
  /** Total weight of the roll revision the ballot counts with. */
  readonly eligible: number;
  /** Number of counted votes. */
  readonly votes: number;
  /** Leaf of the latest revision's `ballot` entry. */
  readonly leaf: number;
  readonly result: BallotResult | null;
}

interface BallotState {
  ballot: Ballot;
  cose: Uint8Array;
  leaf: number;
  firstLeaf: number;
  /** Voter → the first committed vote. */
  readonly votes: Map<string, { leaf: number; choice: string }>;
  turnout: number;
  /** Past `closes` by gateway time: no vote is admitted any more; the tally follows in the next cycle. */
  closing: boolean;
  tally: (TallyRecord & { leaf: number }) | null;
  openLogged: boolean;
}

export interface BallotBookOptions {
  readonly db: Database;
  readonly key: GatewayKey;
  readonly blobs: BlobStore;
  readonly site: string;
  /** The latest config record's administrator keys (§8: ballots must be signed by one). */
  readonly admins: () => readonly { kid: string; alg: number; pub: Uint8Array }[];
  /** ScanCycle.commitRecord. */
  readonly commit: (kind: EntryKind, cose: Uint8Array, apply: (leaf: number, at: number) => void) => Promise<{ leaf: number; size: number }>;
  /** Publishes retained on the broker. */
  readonly publish: (topic: string, payload: Uint8Array, retain: boolean) => Promise<void>;
  /** The log's entry bytes (to rebuild from the log on start). */
  readonly now?: () => number;
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
}

export class BallotBook implements CycleLogic {
  readonly #o: BallotBookOptions;
  readonly #now: () => number;
  readonly #rolls = new Map<string, RollRevision[]>();
  readonly #parsed = new Map<string, Roll>();
  readonly #ballots = new Map<string, BallotState>();
  readonly #pendingIds = new Set<string>();
  /** (ballot, voter) admitted earlier in this cycle. */
  #admitted = new Set<string>();
  #undo: (() => void)[] = [];
  readonly #insertRoll;
  readonly #insertBallot;
  readonly #insertVote;
  readonly #insertTally;

  constructor(options: BallotBookOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    const { db } = options;
    db.exec(`
      CREATE TABLE IF NOT EXISTS roll_rev (id TEXT NOT NULL, rev INTEGER NOT NULL, leaf INTEGER NOT NULL, at INTEGER NOT NULL,
        sha256 TEXT NOT NULL, size INTEGER NOT NULL, voters INTEGER NOT NULL, weight INTEGER NOT NULL, PRIMARY KEY (id, rev)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ballot_rev (id TEXT NOT NULL, rev INTEGER NOT NULL, leaf INTEGER NOT NULL, at INTEGER NOT NULL,
        cose BLOB NOT NULL, PRIMARY KEY (id, rev)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ballot_vote (ballot TEXT NOT NULL, voter TEXT NOT NULL, choice TEXT NOT NULL, leaf INTEGER NOT NULL,
        PRIMARY KEY (ballot, voter)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ballot_tally (ballot TEXT PRIMARY KEY, leaf INTEGER NOT NULL, cose BLOB NOT NULL) WITHOUT ROWID;
    `);
    this.#insertRoll = db.prepare("INSERT INTO roll_rev (id, rev, leaf, at, sha256, size, voters, weight) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    this.#insertBallot = db.prepare("INSERT INTO ballot_rev (id, rev, leaf, at, cose) VALUES (?, ?, ?, ?, ?)");
    this.#insertVote = db.prepare("INSERT INTO ballot_vote (ballot, voter, choice, leaf) VALUES (?, ?, ?, ?)");
    this.#insertTally = db.prepare("INSERT INTO ballot_tally (ballot, leaf, cose) VALUES (?, ?, ?)");

    for (const row of db.prepare<[], RollRevision>("SELECT * FROM roll_rev ORDER BY id, rev").all()) this.#addRoll(row);
    for (const row of db.prepare<[], { id: string; rev: number; leaf: number; cose: Buffer }>("SELECT id, rev, leaf, cose FROM ballot_rev ORDER BY id, rev").all())
      this.#addBallot(new Uint8Array(row.cose), row.leaf);
    for (const row of db.prepare<[], { ballot: string; voter: string; choice: string; leaf: number }>("SELECT * FROM ballot_vote").iterate()) {
      const b = this.#ballots.get(row.ballot);
      if (b) this.#countVote(b, row.voter, row.choice, row.leaf);
    }
    for (const row of db.prepare<[], { ballot: string; leaf: number; cose: Buffer }>("SELECT * FROM ballot_tally").all()) {
      const b = this.#ballots.get(row.ballot);
      if (b) b.tally = { ...(parsePayload(decodeSign1(new Uint8Array(row.cose)).payload, ["tally"]) as TallyRecord), leaf: row.leaf };
    }
    for (const b of this.#ballots.values()) b.openLogged = b.tally !== null || this.#now() >= b.ballot.opens * 1000;
  }

  /** Publishes every ballot not yet tallied, retained (the embedded broker keeps retained messages in memory only). */
  async republish(): Promise<void> {
    for (const b of this.#ballots.values()) if (b.tally === null) await this.#o.publish(ballotTopic(this.#o.site, b.ballot.id), b.cose, true);
  }

  // ---- rolls ----

  /** Imports a roll file as the next revision of roll `id`; an identical file to the latest revision is that revision. */
  async importRoll(id: string, file: Uint8Array): Promise<{ roll: RollRevision; created: boolean }> {
    let roll: Roll;
    try {
      roll = parseRoll(file);
    } catch (e) {
      if (e instanceof RollError) throw new BallotError(400, e.line > 0 ? `body (line ${e.line})` : "body", e.message);
      throw e;
    }
    const latest = this.#rolls.get(id)?.at(-1);
    if (latest !== undefined && latest.sha256 === toHex(roll.sha256)) return { roll: latest, created: false };
    if (this.#pendingIds.has(`roll/${id}`)) throw new BallotError(409, "id", `roll "${id}" has an import in progress`);
    this.#pendingIds.add(`roll/${id}`);
    try {
      const sha256 = this.#o.blobs.put(file);
      const rev = (latest?.rev ?? 0) + 1;
      const record: RollRecord = { v: 1, t: "roll", ts: Math.floor(this.#now() / 1000), id, rev, sha256: roll.sha256, size: roll.size, voters: roll.voters, weight: roll.weight };
      let committed: RollRevision | undefined;
      await this.#o.commit("roll", this.#o.key.signRecord(record), (leaf, at) => {
        committed = { id, rev, leaf, at, sha256, size: roll.size, voters: roll.voters, weight: roll.weight };
        this.#insertRoll.run(id, rev, leaf, at, sha256, roll.size, roll.voters, roll.weight);
      });
      this.#parsed.set(sha256, roll);
      this.#addRoll(committed!);
      this.#o.log?.("roll committed", { roll: id, rev, leaf: committed!.leaf, voters: roll.voters, weight: roll.weight });
      return { roll: committed!, created: true };
    } finally {
      this.#pendingIds.delete(`roll/${id}`);
    }
  }

  rolls(): RollRevision[] {
    return [...this.#rolls.values()].map((revs) => revs.at(-1)!);
  }

  roll(id: string): RollRevision[] | undefined {
    return this.#rolls.get(id);
  }

  #addRoll(row: RollRevision): void {
    let revs = this.#rolls.get(row.id);
    if (!revs) this.#rolls.set(row.id, (revs = []));
    revs.push(row);
  }

  #weights(rev: RollRevision): Roll {
    let roll = this.#parsed.get(rev.sha256);
    if (roll === undefined) {
      const file = this.#o.blobs.get(rev.sha256);
      if (file === null) throw new Error(`roll ${rev.id} rev ${rev.rev}: blob ${rev.sha256} is missing from the blob store`);
      roll = parseRoll(file);
      this.#parsed.set(rev.sha256, roll);
    }
    return roll;
  }

  /** The roll revision a ballot counts with (see the file comment). */
  #rollOf(b: BallotState): RollRevision {
    const revs = this.#rolls.get(b.ballot.roll)!;
    const opensMs = b.ballot.opens * 1000;
    let chosen: RollRevision | undefined;
    for (const r of revs) if (r.at < opensMs) chosen = r;
    if (chosen === undefined) for (const r of revs) if (r.leaf < b.firstLeaf) chosen = r;
    return chosen ?? revs[0];
  }

  // ---- ballots ----

  /** §8: accepts a signed ballot revision, commits it, then publishes it retained. Throws BallotError. */
  async submit(cose: Uint8Array): Promise<{ ballot: BallotView; leaf: number; size: number }> {
    let sign1;
    try {
      sign1 = decodeSign1(cose, MAX_BALLOT);
    } catch (e) {
      if (e instanceof ProtocolError) throw new BallotError(400, "cose", `${e.reason}: ${e.message}`);
      throw e;
    }
    const admin = this.#o.admins().find((a) => a.kid === sign1.kid);
    if (admin === undefined) throw new BallotError(400, "cose", `signed by "${sign1.kid}", which is not an administrator key in the latest config record`);
    try {
      verifySign1(sign1, admin.pub, admin.alg as -7 | -8);
    } catch (e) {
      if (e instanceof ProtocolError) throw new BallotError(400, "cose", `bad-signature: ${e.message}`);
      throw e;
    }
    let ballot: Ballot;
    try {
      ballot = parsePayload(sign1.payload, ["ballot"]);
    } catch (e) {
      if (e instanceof ProtocolError) throw new BallotError(400, "cose", `not a valid ballot (§4.5): ${e.message}`);
      throw e;
    }
    if (!this.#rolls.has(ballot.roll)) throw new BallotError(400, "roll", `roll "${ballot.roll}" has not been imported (POST /admin/rolls/${ballot.roll} first)`);
    const now = this.#now();
    if (ballot.closes * 1000 <= now) throw new BallotError(400, "closes", `the window closes at ${ballot.closes}, which is in the past (gateway time ${Math.floor(now / 1000)})`);
    const current = this.#ballots.get(ballot.id);
    if (current !== undefined) {
      if (ballot.rev <= current.ballot.rev) throw new BallotError(409, "rev", `rev ${ballot.rev} is not above the committed rev ${current.ballot.rev}`);
      if (current.tally !== null || current.closing) throw new BallotError(409, "id", `ballot "${ballot.id}" is closed`);
      if (now >= current.ballot.opens * 1000) {
        const fixed = (["options", "rule", "quorum", "roll", "opens"] as const).filter((k) => JSON.stringify(ballot[k]) !== JSON.stringify(current.ballot[k]));
        if (fixed.length > 0) throw new BallotError(400, fixed[0], `the ballot opened at ${current.ballot.opens}; only title and closes may change now (${fixed.join(", ")} changed)`);
      }
    }
    if (this.#pendingIds.has(`ballot/${ballot.id}`)) throw new BallotError(409, "rev", `ballot "${ballot.id}" has a revision being committed`);
    this.#pendingIds.add(`ballot/${ballot.id}`);
    let committed: { leaf: number; size: number };
    try {
      committed = await this.#o.commit("ballot", cose, (leaf, at) => {
        this.#insertBallot.run(ballot.id, ballot.rev, leaf, at, Buffer.from(cose));
      });
    } finally {
      this.#pendingIds.delete(`ballot/${ballot.id}`);
    }
    this.#addBallot(cose, committed.leaf);
    this.#o.log?.("ballot committed", { ballot: ballot.id, rev: ballot.rev, leaf: committed.leaf, opens: ballot.opens, closes: ballot.closes });
    // Committed before published (§8).
    await this.#o.publish(ballotTopic(this.#o.site, ballot.id), cose, true);
    return { ballot: this.view(ballot.id)!, ...committed };
  }

  #addBallot(cose: Uint8Array, leaf: number): void {
    const ballot = parsePayload(decodeSign1(cose).payload, ["ballot"]);
    const current = this.#ballots.get(ballot.id);
    if (current) Object.assign(current, { ballot, cose, leaf });
    else this.#ballots.set(ballot.id, { ballot, cose, leaf, firstLeaf: leaf, votes: new Map(), turnout: 0, closing: false, tally: null, openLogged: false });
  }

  #countVote(b: BallotState, voter: string, choice: string, leaf: number): void {
    b.votes.set(voter, { leaf, choice });
    b.turnout += this.#weights(this.#rollOf(b)).weights.get(voter) ?? 0;
  }

  ids(): string[] {
    return [...this.#ballots.keys()].sort();
  }

  status(id: string, now = this.#now()): BallotStatus | undefined {
    const b = this.#ballots.get(id);
    if (!b) return undefined;
    if (b.tally !== null || b.closing || now >= b.ballot.closes * 1000) return "closed";
    return now < b.ballot.opens * 1000 ? "scheduled" : "open";
  }

  view(id: string): BallotView | undefined {
    const b = this.#ballots.get(id);
    if (!b) return undefined;
    const { ballot } = b;
    const roll = this.#rollOf(b);
    const t = b.tally;
    return {
      id: ballot.id,
      rev: ballot.rev,
      title: ballot.title,
      options: ballot.options.map((o) => ({ id: o.id, label: o.label })),
      opens: ballot.opens,
      closes: ballot.closes,
      rule: ballot.rule,
      quorum: ballot.quorum,
      roll: ballot.roll,
      status: this.status(id)!,
      turnout: t ? t.turnout : b.turnout,
      eligible: t ? t.eligible : roll.weight,
      votes: b.votes.size,
      leaf: b.leaf,
      result: t
        ? {
            counts: { ...t.counts },
            turnout: t.turnout,
            eligible: t.eligible,
            quorum: t.quorum,
            outcome: t.outcome,
            size: t.size,
            leaf: t.leaf,
            explanation: explainResult(ballot, t),
          }
        : null,
    };
  }

  /** The signed ballot as committed (latest revision). */
  cose(id: string): Uint8Array | undefined {
    return this.#ballots.get(id)?.cose;
  }

  /** Recomputes a ballot's tally now from the committed votes (what the close will commit, if nothing more arrives). */
  preview(id: string): TallyResult | undefined {
    const b = this.#ballots.get(id);
    if (!b) return undefined;
    return this.#count(b, Number.MAX_SAFE_INTEGER);
  }

  #count(b: BallotState, size: number): TallyResult {
    const votes = [...b.votes].map(([voter, v]) => ({ voter, leaf: v.leaf, choice: v.choice }));
    return tally(b.ballot, this.#weights(this.#rollOf(b)).weights, votes, size);
  }

  // ---- the scan cycle ----

  admit(message: VerifiedMessage): RejectReason | null {
    const payload = message.payload;
    if (payload.t !== "vote") return null;
    const b = this.#ballots.get(payload.ballot);
    if (b === undefined) return "no-ballot";
    const { ballot } = b;
    if (b.closing || b.tally !== null || message.receivedAt < ballot.opens * 1000 || message.receivedAt >= ballot.closes * 1000) return "ballot-closed";
    if (!ballot.options.some((o) => o.id === payload.choice)) return "bad-choice";
    if (!this.#weights(this.#rollOf(b)).weights.has(payload.voter)) return "not-eligible";
    const key = `${ballot.id}\n${payload.voter}`;
    if (b.votes.has(payload.voter) || this.#admitted.has(key)) return "already-voted";
    this.#admitted.add(key);
    return null;
  }

  records(cycle: CycleContext): { kind: EntryKind; cose: Uint8Array; apply?: (leaf: number) => void }[] {
    this.#admitted = new Set();
    this.#undo = [];
    const out: { kind: EntryKind; cose: Uint8Array; apply?: (leaf: number) => void }[] = [];
    for (const b of this.#ballots.values()) {
      if (b.tally !== null) continue;
      if (!b.openLogged && cycle.now >= b.ballot.opens * 1000) {
        b.openLogged = true;
        this.#o.log?.("ballot open", { ballot: b.ballot.id, rev: b.ballot.rev, roll: b.ballot.roll, rollRev: this.#rollOf(b).rev });
      }
      if (b.closing) {
        // Every vote admitted before closing is committed: the log size now is the size at close.
        const size = cycle.sizeBefore;
        const result = this.#count(b, size);
        const record: TallyRecord = {
          v: 1,
          t: "tally",
          ts: Math.floor(cycle.now / 1000),
          ballot: b.ballot.id,
          rev: b.ballot.rev,
          counts: result.counts,
          turnout: result.turnout,
          eligible: result.eligible,
          quorum: result.quorum,
          outcome: result.outcome,
          size,
        };
        const cose = this.#o.key.signRecord(record);
        out.push({
          kind: "tally",
          cose,
          apply: (leaf) => {
            this.#insertTally.run(b.ballot.id, leaf, Buffer.from(cose));
            b.tally = { ...record, leaf };
            this.#undo.push(() => (b.tally = null));
            this.#o.log?.("ballot tallied", { ballot: b.ballot.id, rev: b.ballot.rev, leaf, outcome: result.outcome, turnout: result.turnout, eligible: result.eligible, quorum: result.quorum });
          },
        });
      } else if (cycle.now >= b.ballot.closes * 1000) {
        b.closing = true;
        this.#o.log?.("ballot closed", { ballot: b.ballot.id, rev: b.ballot.rev, votes: b.votes.size });
      }
    }
    return out;
  }

  committed(accepted: readonly AcceptedMessage[]): void {
    for (const { message, leaf } of accepted) {
      const p = message.payload;
      if (p.t !== "vote") continue;
      const b = this.#ballots.get(p.ballot)!;
      this.#insertVote.run(p.ballot, p.voter, p.choice, leaf);
      const before = b.turnout;
      this.#countVote(b, p.voter, p.choice, leaf);
      this.#undo.push(() => {
        b.votes.delete(p.voter);
        b.turnout = before;
      });
    }
  }

  rollback(): void {
    for (const undo of this.#undo.reverse()) undo();
    this.#undo = [];
    this.#admitted = new Set();
  }
}

/** The `ballot` entries of a log, for tests and auditors that rebuild from entries. */
export function ballotOfEntry(entryBytes: Uint8Array): Ballot | null {
  const entry = decodeEntry(entryBytes);
  return entry.k === "ballot" ? parsePayload(decodeSign1(entry.cose).payload, ["ballot"]) : null;
}
