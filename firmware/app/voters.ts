// Voters enrolled on this kiosk: a voter number typed on the keypad (which is
// also the fingerprint slot), the voter id sent in votes, and a salted PIN
// hash. One storage value per voter ("vt" + number); failed PIN attempts are
// kept apart ("lk" + number) so a wrong PIN never rewrites the enrolment.
import { pbkdf2 } from "@noble/hashes/pbkdf2.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { checkId, fromHex, toHex, utf8Encode } from "../protocol/index";
import type { Storage } from "../hal/storage";

export const MAX_VOTER_NUMBER = 999;
/** PBKDF2-HMAC-SHA256 rounds for new PIN hashes; stored with each hash so it can be raised later. */
export const PIN_ROUNDS = 64;
export const PIN_PATTERN = /^[0-9]{4,8}$/;

export interface Voter {
  readonly number: number;
  readonly id: string;
  /** Hex salt and hash, empty when the voter has no PIN (fingerprint only). */
  readonly salt: string;
  readonly hash: string;
  readonly rounds: number;
  readonly finger: boolean;
}

/** Consecutive wrong PINs before the first lockout. */
export const FREE_ATTEMPTS = 3;
const FIRST_LOCKOUT_S = 30;
const MAX_LOCKOUT_S = 3600;

/** Lockout after `failures` consecutive wrong PINs: none for the first two, then 30 s, doubling, at most 1 h. */
export function lockoutSeconds(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  const doubled = FIRST_LOCKOUT_S * 2 ** Math.min(failures - FREE_ATTEMPTS, 16);
  return doubled < MAX_LOCKOUT_S ? doubled : MAX_LOCKOUT_S;
}

export function hashPin(pin: string, salt: Uint8Array, rounds: number): Uint8Array {
  return pbkdf2(sha256, utf8Encode(pin), salt, { c: rounds, dkLen: 32 });
}

function voterKey(number: number): string {
  return `vt${number}`;
}
function failureKey(number: number): string {
  return `lk${number}`;
}

export class VoterRoll {
  #storage: Storage;

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  get(number: number): Voter | undefined {
    if (!Number.isInteger(number) || number < 1 || number > MAX_VOTER_NUMBER) return undefined;
    const stored = this.#storage.get(voterKey(number));
    return typeof stored === "string" ? { number, ...(JSON.parse(stored) as Omit<Voter, "number">) } : undefined;
  }

  list(): Voter[] {
    const out: Voter[] = [];
    for (const key of this.#storage.keys()) {
      if (!/^vt[0-9]+$/.test(key)) continue;
      const voter = this.get(Number(key.slice(2)));
      if (voter) out.push(voter);
    }
    return out.sort((a, b) => a.number - b.number);
  }

  /**
   * Enrolls (or re-enrolls) voter `number`. `salt` comes from the caller
   * (a hardware random source on the board) so the roll stays deterministic in tests.
   */
  enroll(number: number, id: string, pin: string | undefined, finger: boolean, salt: Uint8Array): Voter {
    if (!Number.isInteger(number) || number < 1 || number > MAX_VOTER_NUMBER) throw new RangeError(`voter number must be 1 … ${MAX_VOTER_NUMBER}`);
    checkId("voter", id);
    if (pin !== undefined && !PIN_PATTERN.test(pin)) throw new RangeError("a PIN is 4 to 8 digits");
    for (const other of this.list()) if (other.id === id && other.number !== number) throw new RangeError(`voter ${id} is already enrolled as number ${other.number}`);
    const voter: Voter = {
      number,
      id,
      salt: pin === undefined ? "" : toHex(salt),
      hash: pin === undefined ? "" : toHex(hashPin(pin, salt, PIN_ROUNDS)),
      rounds: PIN_ROUNDS,
      finger,
    };
    const { number: _, ...stored } = voter;
    this.#storage.set(voterKey(number), JSON.stringify(stored));
    this.#storage.delete(failureKey(number));
    return voter;
  }

  remove(number: number): boolean {
    if (!this.get(number)) return false;
    this.#storage.delete(voterKey(number));
    this.#storage.delete(failureKey(number));
    return true;
  }

  /** Checks a PIN in constant time over the hash. */
  checkPin(voter: Voter, pin: string): boolean {
    if (voter.hash === "") return false;
    const got = hashPin(pin, fromHex(voter.salt), voter.rounds);
    const want = fromHex(voter.hash);
    let diff = got.length ^ want.length;
    for (let i = 0; i < want.length && i < got.length; i++) diff |= got[i] ^ want[i];
    return diff === 0;
  }

  failures(number: number): number {
    const stored = this.#storage.get(failureKey(number));
    return typeof stored === "string" ? Number(stored) : 0;
  }

  /** Records a wrong PIN; persisted so a reboot does not lift a lockout's count. */
  recordFailure(number: number): number {
    const failures = this.failures(number) + 1;
    this.#storage.set(failureKey(number), String(failures));
    return failures;
  }

  clearFailures(number: number): void {
    if (this.failures(number) !== 0) this.#storage.delete(failureKey(number));
  }
}
