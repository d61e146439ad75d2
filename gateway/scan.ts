// The scan cycle, as on a PLC: every period, read the inputs (messages that
// passed rules 1–7 since the last cycle), run the logic (rule 8, then the
// rule-9 hooks that ballots and meters plug in), write the outputs: the batch
// appended in ONE SQLite transaction with its bookkeeping and one signed
// checkpoint, and only after the commit, the signed acks and nacks.
//
// Crash safety follows from that order: nothing is acked before it is
// committed, and a device that resends after a crash finds its message by
// (device, seq) and gets the original ack back instead of a second entry.
import { createHash } from "node:crypto";
import type { Database } from "better-sqlite3";
import {
  ALG_EDDSA,
  assembleSign1,
  deviceTopic,
  encodeCbor,
  protectedHeader,
  receiptCode,
  sigStructure,
  type Entry,
  type EntryKind,
  type RejectReason,
} from "../firmware/protocol/index.ts";
import type { HealthBoard } from "./health.ts";
import type { GatewayKey } from "./key.ts";
import type { Inbound, Ingest } from "./ingest.ts";
import type { GatewayMetrics } from "./metrics.ts";
import type { RejectStore } from "./rejects.ts";
import type { DeviceLookup, EnrolledDevice, VerifiedMessage } from "./verify.ts";
import type { BrokerLink } from "./broker/link.ts";

/** What the scan cycle needs from the ledger (gateway/ledger/ledger.ts). */
export interface LogWriter {
  readonly size: number;
  /** Appends inside the caller's transaction. */
  append(entries: Entry[]): unknown;
  /** Signs a checkpoint over the current size. */
  checkpoint(): unknown;
  /** RFC 9162 leaf hash of a committed entry (for the receipt code of a re-sent ack). */
  leafHash(index: number): Uint8Array;
}

/** A message accepted in this cycle, with the leaf it will get. */
export interface AcceptedMessage {
  readonly message: VerifiedMessage;
  readonly leaf: number;
}

/**
 * Where issue 7's logic plugs in. `admit` is rule 9 for one message that
 * passed rule 8, in arrival order (it sees the messages it admitted earlier
 * in the cycle through its own state); `records` adds gateway records at the
 * end of the batch (tallies, rollups); `committed` runs inside the cycle's
 * transaction once leaves are known, to keep the logic's tables in step.
 * If the transaction fails, `rollback` lets the logic drop what it admitted.
 */
export interface CycleLogic {
  admit?(message: VerifiedMessage, cycle: CycleContext): RejectReason | null;
  records?(cycle: CycleContext): { kind: EntryKind; cose: Uint8Array; apply?: (leaf: number) => void }[];
  committed?(accepted: readonly AcceptedMessage[], cycle: CycleContext): void;
  rollback?(): void;
}

export interface CycleContext {
  /** Gateway time of this cycle, Unix milliseconds. */
  readonly now: number;
  /** Log size before this cycle's batch. */
  readonly sizeBefore: number;
}

/** A gateway record waiting for the next cycle (device enrolments, ballots, rolls). */
interface PendingRecord {
  readonly kind: EntryKind;
  readonly cose: Uint8Array;
  readonly apply: (leaf: number, at: number) => void;
  readonly resolve: (committed: { leaf: number; size: number }) => void;
  readonly reject: (error: Error) => void;
}

type Answer = { readonly device: EnrolledDevice; readonly seq: number } & (
  | { readonly t: "ack"; readonly leaf: number }
  | { readonly t: "nack"; readonly reason: RejectReason }
);

export interface ScanOptions {
  readonly db: Database;
  readonly ledger: LogWriter;
  readonly key: GatewayKey;
  readonly ingest: Ingest;
  /** The registry as the cycle starts: a message whose device was revoked since it was verified is refused. */
  readonly devices: DeviceLookup;
  readonly link: BrokerLink;
  readonly rejects: RejectStore;
  readonly health: HealthBoard;
  readonly metrics: GatewayMetrics;
  readonly periodMs: number;
  /** The `at` of the last entry in the log (entries' `at` never decreases). */
  readonly lastAt: number;
  readonly logic?: readonly CycleLogic[];
  /** Signs answers' Sig_structures with the gateway key (crypto threads); default: key.sign on the event loop. */
  readonly sign?: (messages: readonly Uint8Array[]) => Promise<Uint8Array[]>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash("sha256").update(bytes).digest();
}

export class ScanCycle {
  readonly #o: ScanOptions;
  readonly #now: () => number;
  readonly #logic: CycleLogic[];
  readonly #findSeq;
  readonly #insertSeq;
  #lastAt: number;
  #records: PendingRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #cycles = 0;
  #idle: (() => void)[] = [];
  readonly #sending = new Set<Promise<void>>();
  readonly #answerHeader: Uint8Array;

  constructor(options: ScanOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#logic = [...(options.logic ?? [])];
    this.#lastAt = options.lastAt;
    this.#answerHeader = protectedHeader(ALG_EDDSA, options.key.name);
    // Rule 8 by integer keys (device rowid, seq): a random 32-byte unique index would slow every insert several times.
    options.db.exec(`
      CREATE TABLE IF NOT EXISTS device_seq (
        device INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        leaf INTEGER NOT NULL,
        sha256 BLOB NOT NULL,
        PRIMARY KEY (device, seq)
      ) WITHOUT ROWID
    `);
    this.#findSeq = options.db.prepare<[number, number], { leaf: number; sha256: Buffer }>("SELECT leaf, sha256 FROM device_seq WHERE device = ? AND seq = ?");
    this.#insertSeq = options.db.prepare("INSERT INTO device_seq (device, seq, leaf, sha256) VALUES (?, ?, ?, ?)");
  }

  /** Adds logic (rule 9, per-cycle records); it runs after the logic added before it. */
  use(logic: CycleLogic): void {
    this.#logic.push(logic);
  }

  /** Cycles run so far. */
  get cycles(): number {
    return this.#cycles;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(this.#o.periodMs);
  }

  /** Stops after the cycle in progress; pending records are refused. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const r of this.#records) r.reject(new Error("the gateway is stopping; nothing was committed"));
    this.#records = [];
  }

  /**
   * Commits a gateway record in the next cycle; `apply` runs inside that
   * cycle's transaction with the record's leaf, so tables change exactly
   * when the log does.
   */
  commitRecord(kind: EntryKind, cose: Uint8Array, apply: (leaf: number, at: number) => void = () => {}): Promise<{ leaf: number; size: number }> {
    if (!this.#running) return Promise.reject(new Error("the scan cycle is not running"));
    return new Promise((resolve, reject) => this.#records.push({ kind, cose, apply, resolve, reject }));
  }

  /** Resolves after the next complete cycle (tests, shutdown). */
  nextCycle(): Promise<void> {
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(delay: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => this.#tick(), delay);
  }

  #tick(): void {
    const started = performance.now();
    try {
      this.runOnce();
    } catch (e) {
      this.#o.log?.(`scan cycle failed, nothing of it was committed: ${(e as Error).stack ?? e}`);
    }
    const seconds = (performance.now() - started) / 1000;
    this.#o.metrics.cycleSeconds.observe(seconds);
    const periodSeconds = this.#o.periodMs / 1000;
    if (seconds > periodSeconds) this.#o.metrics.overruns.inc();
    // Fixed period: the next cycle starts one period after this one started, or at once after an overrun.
    this.#schedule(Math.max(0, (periodSeconds - seconds) * 1000));
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }

  /** One scan: read inputs, logic, one transaction, answers. Exposed for tests and benchmarks. */
  runOnce(): void {
    const { db, ledger, ingest, rejects, health, metrics } = this.#o;
    const now = this.#now();
    const inbound = ingest.drain();
    const records = this.#records;
    this.#records = [];
    metrics.batchSize.observe(inbound.length);
    const cycle: CycleContext = { now, sizeBefore: ledger.size };

    const answers: Answer[] = [];
    const accepted: AcceptedMessage[] = [];
    const entries: Entry[] = [];
    const seqRows: [number, number, number, Buffer][] = [];
    const applies: (() => void)[] = [];
    // Messages accepted in this cycle by (device rowid, seq), for rule 8 within the batch.
    const inCycle = new Map<number, Map<number, { hash: Buffer; leaf: number }>>();
    let at = this.#lastAt;
    const append = (kind: EntryKind, cose: Uint8Array, receivedAt: number): number => {
      at = Math.max(at, receivedAt);
      entries.push({ at, k: kind, cose });
      return cycle.sizeBefore + entries.length - 1;
    };

    for (const item of inbound) {
      if (item.kind === "nack") {
        answers.push({ t: "nack", device: item.rejection.answer.device, seq: item.rejection.answer.seq, reason: item.rejection.reason });
        continue;
      }
      const message = item.message;
      const { device, payload } = message;
      // Verified before a revocation that is now committed: it would follow the revoked record in the log.
      if (this.#o.devices.device(device.id)?.status !== "active") {
        rejects.add({ reason: "revoked", detail: `device "${device.id}" was revoked before this message's cycle`, topic: message.topic, bytes: message.bytes, receivedAt: message.receivedAt });
        continue;
      }
      if (payload.t === "status") {
        health.status(device.id, payload, message.receivedAt);
        metrics.messages.inc({ type: "status", outcome: "accepted" });
        continue;
      }
      // Rule 8: a message is identified by (device, seq); byte-identical means duplicate, otherwise seq reused.
      const hash = sha256(message.bytes);
      const seen = inCycle.get(device.rowid)?.get(payload.seq) ?? this.#committed(device.rowid, payload.seq);
      if (seen !== undefined) {
        const duplicate = seen.hash.equals(hash);
        const reason: RejectReason = duplicate ? "duplicate" : "seq-reused";
        rejects.add({ reason, detail: `seq ${payload.seq} of ${device.id} is already at leaf ${seen.leaf}`, topic: message.topic, bytes: message.bytes, receivedAt: message.receivedAt });
        answers.push(duplicate ? { t: "ack", device, seq: payload.seq, leaf: seen.leaf } : { t: "nack", device, seq: payload.seq, reason });
        continue;
      }
      const refused = this.#admit(message, cycle);
      if (refused !== null) {
        rejects.add({ reason: refused, detail: `rule 9: ${refused}`, topic: message.topic, bytes: message.bytes, receivedAt: message.receivedAt });
        answers.push({ t: "nack", device, seq: payload.seq, reason: refused });
        continue;
      }
      const leaf = append("msg", message.bytes, message.receivedAt);
      let seqs = inCycle.get(device.rowid);
      if (seqs === undefined) inCycle.set(device.rowid, (seqs = new Map()));
      seqs.set(payload.seq, { hash, leaf });
      seqRows.push([device.rowid, payload.seq, leaf, hash]);
      accepted.push({ message, leaf });
      answers.push({ t: "ack", device, seq: payload.seq, leaf });
    }
    for (const logic of this.#logic) {
      for (const record of logic.records?.(cycle) ?? []) {
        const leaf = append(record.kind, record.cose, now);
        if (record.apply) applies.push(() => record.apply!(leaf));
      }
    }
    const recordLeaves: number[] = [];
    for (const record of records) {
      const leaf = append(record.kind, record.cose, now);
      const recordAt = at;
      recordLeaves.push(leaf);
      applies.push(() => record.apply(leaf, recordAt));
    }

    try {
      db.transaction(() => {
        if (entries.length > 0) {
          ledger.append(entries);
          for (const row of seqRows) this.#insertSeq.run(...row);
          for (const logic of this.#logic) logic.committed?.(accepted, cycle);
          for (const apply of applies) apply();
        }
        rejects.flush();
        health.flush();
        if (entries.length > 0) ledger.checkpoint();
      })();
    } catch (e) {
      for (const logic of this.#logic) logic.rollback?.();
      for (const record of records) record.reject(e as Error);
      throw e;
    }
    this.#lastAt = at;
    this.#cycles++;
    const size = ledger.size;
    metrics.logSize.set(size);
    for (const entry of entries) metrics.committed.inc({ kind: entry.k });
    records.forEach((record, i) => record.resolve({ leaf: recordLeaves[i], size }));
    this.#answer(answers, size, now);
  }

  #committed(device: number, seq: number): { hash: Buffer; leaf: number } | undefined {
    const row = this.#findSeq.get(device, seq);
    return row === undefined ? undefined : { hash: row.sha256, leaf: row.leaf };
  }

  #admit(message: VerifiedMessage, cycle: CycleContext): RejectReason | null {
    for (const logic of this.#logic) {
      const reason = logic.admit?.(message, cycle) ?? null;
      if (reason !== null) return reason;
    }
    return null;
  }

  /**
   * Signs and publishes acks and nacks after the commit; a re-sent ack
   * carries the latest size (§4.4). Signing may happen on crypto threads, so
   * the answers go out a little after the cycle; `answered()` waits for them.
   */
  #answer(answers: readonly Answer[], size: number, now: number): void {
    if (answers.length === 0) return;
    const { key, link, metrics } = this.#o;
    const ts = Math.floor(now / 1000);
    const payloads = answers.map((a) =>
      encodeCbor(
        a.t === "ack"
          ? { v: 1, t: "ack", ts, dev: a.device.id, seq: a.seq, leaf: a.leaf, size, code: this.#codeOf(a.leaf) }
          : { v: 1, t: "nack", ts, dev: a.device.id, seq: a.seq, reason: a.reason },
      ),
    );
    const sign = this.#o.sign ?? ((messages: readonly Uint8Array[]) => Promise.resolve(messages.map((m) => key.sign(m))));
    const sending = sign(payloads.map((p) => sigStructure(this.#answerHeader, p))).then((signatures) => {
      answers.forEach((a, i) => {
        metrics.acks.inc({ answer: a.t });
        link
          .publish(deviceTopic(a.device.site, a.device.id, "ack"), assembleSign1(this.#answerHeader, payloads[i], signatures[i]), false)
          .catch((e: Error) => this.#o.log?.(`could not publish the ${a.t} for ${a.device.id} seq ${a.seq}: ${e.message}`));
      });
    });
    this.#sending.add(sending);
    void sending.finally(() => this.#sending.delete(sending));
  }

  /** Resolves when every answer signed so far has been handed to the broker. */
  async answered(): Promise<void> {
    await Promise.all([...this.#sending]);
  }

  #codeOf(leaf: number): string {
    return receiptCode(this.#o.ledger.leafHash(leaf));
  }
}
