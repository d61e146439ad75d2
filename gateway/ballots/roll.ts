// Electoral rolls (PROTOCOL §4.6, §8): a CSV file committed to the ledger by
// its SHA-256 and served beside it. Parsing is strict, so the same bytes mean
// the same roll to the gateway and to every auditor.
import { sha256 } from "@noble/hashes/sha2.js";
import { compareBytes, isId, utf8Decode, utf8Encode } from "../../firmware/protocol/index.ts";

export const ROLL_HEADER = "voter,weight";

export interface Roll {
  /** Voter id → weight, in file order (sorted by voter id). */
  readonly weights: ReadonlyMap<string, number>;
  readonly voters: number;
  /** Total weight: the ballot's `eligible`. */
  readonly weight: number;
  readonly sha256: Uint8Array;
  readonly size: number;
}

/** A roll file that breaks the format; `line` is 1-based (0 for the file as a whole). */
export class RollError extends Error {
  readonly line: number;
  constructor(line: number, problem: string) {
    super(line > 0 ? `roll line ${line}: ${problem}` : `roll: ${problem}`);
    this.name = "RollError";
    this.line = line;
  }
}

/** Parses and checks a roll file: UTF-8, header `voter,weight`, LF after every line, voters sorted bytewise, unique, weights ≥ 1. */
export function parseRoll(file: Uint8Array): Roll {
  let text: string;
  try {
    text = utf8Decode(file);
  } catch {
    throw new RollError(0, "not valid UTF-8");
  }
  if (text.length === 0) throw new RollError(0, "empty file");
  if (!text.endsWith("\n")) throw new RollError(text.split("\n").length, "the last line must end in LF");
  const lines = text.slice(0, -1).split("\n");
  if (lines[0] !== ROLL_HEADER) throw new RollError(1, `header must be "${ROLL_HEADER}", got ${JSON.stringify(lines[0].slice(0, 40))}`);
  const weights = new Map<string, number>();
  let total = 0;
  let previous: Uint8Array | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const n = i + 1;
    if (line.includes("\r")) throw new RollError(n, "CR in line (line ends must be LF only)");
    const fields = line.split(",");
    if (fields.length !== 2) throw new RollError(n, `expected 2 fields (voter,weight), got ${fields.length}`);
    const [voter, weightText] = fields;
    if (!isId("voter", voter)) throw new RollError(n, `${JSON.stringify(voter)} is not a valid voter id`);
    if (!/^[1-9][0-9]*$/.test(weightText)) throw new RollError(n, `weight ${JSON.stringify(weightText)} is not an integer ≥ 1`);
    const weight = Number(weightText);
    if (!Number.isSafeInteger(weight)) throw new RollError(n, `weight ${weightText} is above 2^53 − 1`);
    const id = utf8Encode(voter);
    if (previous) {
      const order = compareBytes(previous, id);
      if (order === 0) throw new RollError(n, `voter ${voter} is listed twice`);
      if (order > 0) throw new RollError(n, `voter ${voter} is out of order (voters must be sorted by id)`);
    }
    previous = id;
    total += weight;
    if (!Number.isSafeInteger(total)) throw new RollError(n, "total weight is above 2^53 − 1");
    weights.set(voter, weight);
  }
  if (weights.size === 0) throw new RollError(0, "no voters (a roll needs at least one)");
  return { weights, voters: weights.size, weight: total, sha256: sha256(file), size: file.length };
}

/** Writes a roll file in the one accepted form (for tools that build rolls from a list). */
export function formatRoll(entries: Iterable<[string, number]>): Uint8Array {
  const sorted = [...entries].sort((a, b) => compareBytes(utf8Encode(a[0]), utf8Encode(b[0])));
  return utf8Encode(`${ROLL_HEADER}\n${sorted.map(([voter, weight]) => `${voter},${weight}\n`).join("")}`);
}
