// Ballots as the kiosk knows them: each arrives retained on
// signet/v1/{site}/_ballots/{id}, signed by an administrator; only a ballot
// whose signature verifies against a provisioned administrator key is kept,
// and only its highest revision. What the kiosk needs to show a ballot is
// stored (one value per ballot, "bl" + slot), so a kiosk that boots offline
// can still take votes; the signature was checked on arrival and the
// gateway checks every vote again.
import { decodeSign1, parsePayload, verifySign1, ProtocolError, MAX_BALLOT, type Ballot } from "../protocol/index";
import type { Storage } from "../hal/storage";
import type { TrustedKey } from "./config";

export const MAX_BALLOTS = 8;
/** Text kept per title and label: far more than a 20-column display shows, and it keeps a ballot well under 4000 bytes. */
const TEXT_KEPT = 40;

export interface KioskBallot {
  readonly id: string;
  readonly rev: number;
  readonly title: string;
  readonly opens: number;
  readonly closes: number;
  readonly options: readonly { readonly id: string; readonly label: string }[];
}

export type BallotVerdict =
  | { readonly kept: true; readonly ballot: KioskBallot }
  | { readonly kept: false; readonly why: string };

export class BallotBook {
  #storage: Storage;
  #slots: (KioskBallot | undefined)[] = [];

  constructor(storage: Storage) {
    this.#storage = storage;
    for (let slot = 0; slot < MAX_BALLOTS; slot++) {
      const stored = storage.get(`bl${slot}`);
      this.#slots.push(typeof stored === "string" ? (JSON.parse(stored) as KioskBallot) : undefined);
    }
  }

  get all(): KioskBallot[] {
    return this.#slots.filter((b): b is KioskBallot => b !== undefined);
  }

  find(id: string): KioskBallot | undefined {
    return this.#slots.find((b) => b?.id === id);
  }

  /**
   * Ballots a voter may be offered now: open by the device clock, or every
   * known ballot while the clock was never synchronised (the gateway judges).
   */
  open(wallSeconds: number, synchronised: boolean): KioskBallot[] {
    const open = this.all.filter((b) => !synchronised || (b.opens <= wallSeconds && wallSeconds < b.closes));
    return open.sort((a, b) => a.opens - b.opens || (a.id < b.id ? -1 : 1));
  }

  /** Verifies and keeps a retained ballot message; says why when it is not kept. */
  receive(topicBallotId: string, bytes: Uint8Array, admins: readonly TrustedKey[]): BallotVerdict {
    if (bytes.length === 0) return { kept: false, why: "empty retained message (ballot cleared); kept until it closes" };
    let ballot: Ballot;
    try {
      const message = decodeSign1(bytes, MAX_BALLOT);
      const admin = admins.find((a) => a.kid === message.kid);
      if (!admin) return { kept: false, why: `signed by ${JSON.stringify(message.kid)}, not a provisioned administrator` };
      verifySign1(message, admin.pub, admin.alg);
      ballot = parsePayload(message.payload, ["ballot"]);
    } catch (e) {
      return { kept: false, why: e instanceof ProtocolError ? `${e.reason}: ${e.message}` : String(e) };
    }
    if (ballot.id !== topicBallotId) return { kept: false, why: `ballot ${ballot.id} arrived on the topic of ${topicBallotId}` };
    const current = this.find(ballot.id);
    if (current && current.rev >= ballot.rev) return { kept: false, why: `revision ${ballot.rev} is not above ${current.rev}` };
    const kept: KioskBallot = {
      id: ballot.id,
      rev: ballot.rev,
      title: ballot.title.slice(0, TEXT_KEPT),
      opens: ballot.opens,
      closes: ballot.closes,
      options: ballot.options.map((o) => ({ id: o.id, label: o.label.slice(0, TEXT_KEPT) })),
    };
    const slot = this.#slotFor(ballot.id);
    this.#storage.set(`bl${slot}`, JSON.stringify(kept));
    this.#slots[slot] = kept;
    return { kept: true, ballot: kept };
  }

  /** The slot of this ballot, a free one, or the one of the ballot that closes first. */
  #slotFor(id: string): number {
    let free = -1;
    let earliest = 0;
    for (let slot = 0; slot < MAX_BALLOTS; slot++) {
      const b = this.#slots[slot];
      if (b?.id === id) return slot;
      if (!b && free < 0) free = slot;
      if (b && this.#slots[earliest] && b.closes < this.#slots[earliest]!.closes) earliest = slot;
    }
    return free >= 0 ? free : earliest;
  }
}
