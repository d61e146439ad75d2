// The outbox: signed messages kept in flash until the gateway's signed ack or
// nack answers them (DESIGN.md, Outbox).
//
// Layout within NVS limits: one storage value per message, key "ob" + the seq
// in base 36 (at most 13 characters), value the COSE_Sign1 bytes (≤ 1024 bytes,
// PROTOCOL §3). Putting a message is one write and answering it one delete, so
// there is no index to keep consistent: the keys are the index, and the order
// is the seq order. Each write is atomic, so a power cut leaves a message
// either queued whole or not at all.
//
// Policy when full (CAPACITY messages, sized for the default 24 KiB NVS
// partition): readings may use at most READING_LIMIT places; a reading that
// finds no place is not signed at all — the sampler widens its interval
// instead, so `d` stays exact and nothing is dropped — and only an interval
// that would exceed 24 h evicts the oldest queued reading of its channel (the
// cumulative `count` of the next reading still covers that energy). A vote
// evicts the oldest reading when the outbox is full; a vote is never dropped,
// and when every place holds a vote the kiosk refuses new votes and says why.
import { decodeSign1, parsePayload, type Reading } from "../protocol/index";
import type { Storage } from "../hal/storage";

export const OUTBOX_CAPACITY = 40;
export const READING_LIMIT = 32;
const PREFIX = "ob";

export type QueuedType = "vote" | "reading";

export interface QueuedMessage {
  readonly seq: number;
  readonly type: QueuedType;
  /** Readings: channel, cumulative count and interval end, to recover the meter after a reboot. */
  readonly ch: number;
  readonly count: number;
  readonly to: number;
  /** Uplink bookkeeping (RAM only): packet id of the last publish awaiting PUBACK, and when it was published. */
  packetId: number;
  sentAt: number;
}

function keyOf(seq: number): string {
  return PREFIX + seq.toString(36);
}

export class Outbox {
  #storage: Storage;
  #queue: QueuedMessage[] = [];
  readonly capacity: number;
  readonly readingLimit: number;

  constructor(storage: Storage, capacity = OUTBOX_CAPACITY, readingLimit = Math.min(READING_LIMIT, capacity)) {
    this.#storage = storage;
    this.capacity = capacity;
    this.readingLimit = readingLimit;
    for (const key of storage.keys()) {
      if (!key.startsWith(PREFIX)) continue;
      const bytes = storage.get(key);
      const message = bytes instanceof Uint8Array ? describe(bytes) : undefined;
      if (message && keyOf(message.seq) === key) this.#queue.push(message);
      else storage.delete(key); // not a message this firmware wrote: never send it
    }
    this.#queue.sort((a, b) => a.seq - b.seq);
  }

  get size(): number {
    return this.#queue.length;
  }

  get votes(): number {
    let n = 0;
    for (const m of this.#queue) if (m.type === "vote") n++;
    return n;
  }

  /** Queued messages in seq order (the order they are sent). */
  get messages(): readonly QueuedMessage[] {
    return this.#queue;
  }

  /** True when a reading can be queued without evicting anything. */
  hasRoomForReading(): boolean {
    return this.#queue.length < this.capacity && this.#queue.length - this.votes < this.readingLimit;
  }

  /** Makes room for a vote, evicting the oldest reading if need be; false when every place holds a vote. */
  makeRoomForVote(): boolean {
    if (this.#queue.length < this.capacity) return true;
    return this.evictOldestReading(-1);
  }

  /** Drops the oldest queued reading (of channel `ch`, or of any channel for -1); false when there is none. */
  evictOldestReading(ch: number): boolean {
    const victim = this.#queue.find((m) => m.type === "reading" && (ch < 0 || m.ch === ch));
    if (!victim) return false;
    this.remove(victim.seq);
    return true;
  }

  /** Stores a signed message; the caller made room first. One storage write. */
  put(bytes: Uint8Array): QueuedMessage {
    const message = describe(bytes);
    if (!message) throw new Error("outbox takes signed votes and readings only");
    if (this.#queue.length >= this.capacity) throw new Error(`outbox is full (${this.capacity} messages)`);
    this.#storage.set(keyOf(message.seq), bytes);
    let at = this.#queue.length;
    while (at > 0 && this.#queue[at - 1].seq > message.seq) at--;
    this.#queue.splice(at, 0, message);
    return message;
  }

  find(seq: number): QueuedMessage | undefined {
    for (const m of this.#queue) if (m.seq === seq) return m;
    return undefined;
  }

  /** The stored bytes of a queued message. */
  bytes(seq: number): Uint8Array | undefined {
    const value = this.#storage.get(keyOf(seq));
    return value instanceof Uint8Array ? value : undefined;
  }

  /** Removes an answered (or evicted) message. One storage delete. */
  remove(seq: number): QueuedMessage | undefined {
    const at = this.#queue.findIndex((m) => m.seq === seq);
    if (at < 0) return undefined;
    const [message] = this.#queue.splice(at, 1);
    this.#storage.delete(keyOf(seq));
    return message;
  }

  /** The latest queued reading of channel `ch` (highest seq), to recover the meter's count after a power cut. */
  lastReading(ch: number): QueuedMessage | undefined {
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const m = this.#queue[i];
      if (m.type === "reading" && m.ch === ch) return m;
    }
    return undefined;
  }
}

/** Reads what the outbox needs from a signed message it wrote; undefined when it is not one. */
function describe(bytes: Uint8Array): QueuedMessage | undefined {
  try {
    const payload = parsePayload(decodeSign1(bytes).payload, ["vote", "reading"]);
    const reading = payload.t === "reading" ? (payload as Reading) : undefined;
    return {
      seq: payload.seq,
      type: payload.t,
      ch: reading ? reading.ch : -1,
      count: reading ? reading.count : 0,
      to: reading ? reading.to : 0,
      packetId: 0,
      sentAt: -1,
    };
  } catch {
    return undefined;
  }
}
