// Sequence numbers (PROTOCOL §4): strictly increasing across every message
// type and every reboot. Numbers are reserved in blocks: storage holds the
// first number not yet reserved, written before any number of a new block is
// used, so a power cut at any point skips numbers (gaps are allowed) but never
// reuses one, and flash is written once per block, not once per message.
import type { Storage } from "../hal/storage";

export const SEQ_BLOCK = 64;
const KEY = "seq";

export class Sequence {
  #storage: Storage;
  #next = 0;
  #reservedUntil = 0;

  constructor(storage: Storage) {
    this.#storage = storage;
    const stored = storage.get(KEY);
    // Every number below the stored mark may have been used before the reboot.
    this.#next = typeof stored === "string" ? Number(stored) : 1;
    this.#reservedUntil = this.#next;
  }

  /** The next sequence number; reserves a new block in storage first when the current one is used up. */
  take(): number {
    if (this.#next >= this.#reservedUntil) {
      const until = this.#next + SEQ_BLOCK;
      this.#storage.set(KEY, String(until));
      this.#reservedUntil = until;
    }
    return this.#next++;
  }

  /** The number `take` will return next (for tests and status). */
  get peek(): number {
    return this.#next;
  }
}
