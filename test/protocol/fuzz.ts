// The fuzz harness shared by the two fuzz test files (one per algorithm, so
// vitest runs them on both cores): random bytes, random CBOR, and mutations of
// valid signed messages, each fed to the decoder + verifier.
import { equalBytes, fromHex, openMessage, ProtocolError, type Alg } from "../../firmware/protocol/index.ts";
import type { Vector } from "../vectors/build.ts";

/** xorshift32: deterministic, so a failure can be replayed from its seed and index. */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state;
  }
  below(n: number): number {
    return this.next() % n;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 255;
    return out;
  }
}

/** Random CBOR-ish bytes: valid heads with random (sometimes wrong) arguments, nested. */
function randomItem(r: Random, depth: number, out: number[]): void {
  const major = r.below(8);
  const ai = r.below(10) < 7 ? r.below(24) : 24 + r.below(8);
  out.push((major << 5) | ai);
  const extra = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0;
  for (let i = 0; i < extra; i++) out.push(r.below(4) === 0 ? r.below(256) : 0);
  const n = ai < 24 ? ai : r.below(4);
  if (major === 2 || major === 3) for (let i = 0; i < n; i++) out.push(r.below(256));
  if ((major === 4 || major === 5 || major === 6) && depth < 6) for (let i = 0; i < (major === 5 ? 2 * n : major === 6 ? 1 : n); i++) randomItem(r, depth + 1, out);
}

function mutate(r: Random, original: Uint8Array): Uint8Array {
  const m = original.slice();
  switch (r.below(7)) {
    case 0: {
      const flips = 1 + r.below(3);
      for (let i = 0; i < flips; i++) m[r.below(m.length)] ^= 1 << r.below(8);
      return m;
    }
    case 1:
      m[r.below(m.length)] = r.below(256);
      return m;
    case 2: {
      const at = r.below(m.length + 1);
      const out = new Uint8Array(m.length + 1);
      out.set(m.subarray(0, at));
      out[at] = r.below(256);
      out.set(m.subarray(at), at + 1);
      return out;
    }
    case 3: {
      const at = r.below(m.length);
      const out = new Uint8Array(m.length - 1);
      out.set(m.subarray(0, at));
      out.set(m.subarray(at + 1), at);
      return out;
    }
    case 4:
      return m.subarray(0, r.below(m.length));
    case 5: {
      // A byte within the signed part (header or payload) changed by one.
      const at = 1 + r.below(m.length - 66);
      m[at] = (m[at] + 1) & 255;
      return m;
    }
    default: {
      const a = r.below(m.length);
      const b = r.below(m.length);
      [m[a], m[b]] = [m[b], m[a]];
      return m;
    }
  }
}

export interface FuzzReport {
  readonly inputs: number;
  readonly byReason: { [reason: string]: number };
  readonly crashes: string[];
  readonly acceptedMutations: string[];
  readonly verified: number;
}

/** Feeds `count` inputs derived from `vectors` (all of one algorithm) to openMessage. */
export function fuzz(vectors: readonly Vector[], alg: Alg, count: number, seed: number): FuzzReport {
  const r = new Random(seed);
  const publicKey = fromHex(vectors[0].publicKey);
  const originals = vectors.map((v) => fromHex(v.message));
  const byReason: { [reason: string]: number } = {};
  const crashes: string[] = [];
  const acceptedMutations: string[] = [];
  let verified = 0;
  for (let i = 0; i < count; i++) {
    let input: Uint8Array;
    let original: Uint8Array | undefined;
    const kind = i % 10;
    if (kind < 3) input = r.bytes(r.below(200));
    else if (kind < 5) {
      const out: number[] = kind === 3 ? [0xd2, 0x84] : [0xd2];
      randomItem(r, 0, out);
      input = Uint8Array.from(out);
    } else {
      original = originals[r.below(originals.length)];
      input = mutate(r, original);
    }
    try {
      openMessage(input, { publicKey, alg, maxSize: 1024 });
      verified++;
      if (original && !originals.some((o) => equalBytes(o, input))) acceptedMutations.push(`#${i}: ${Buffer.from(input).toString("hex")}`);
    } catch (e) {
      if (e instanceof ProtocolError) byReason[e.reason] = (byReason[e.reason] ?? 0) + 1;
      else crashes.push(`#${i} ${Buffer.from(input).toString("hex")}: ${(e as Error)?.stack ?? String(e)}`);
    }
  }
  return { inputs: count, byReason, crashes, acceptedMutations, verified };
}
