// Deterministic randomness for emulated parts (contact bounce, a chip's RNG):
// the same seed gives the same run on Node and on XS.

/** xorshift32 seeded from a number or a string. */
export class SeededRandom {
  #state: number;

  constructor(seed: number | string = 1) {
    let s = typeof seed === "number" ? seed >>> 0 : 2166136261;
    if (typeof seed === "string") for (let i = 0; i < seed.length; i++) s = Math.imul(s ^ seed.charCodeAt(i), 16777619) >>> 0;
    this.#state = s || 0x9e3779b9;
  }

  /** A uint32. */
  nextUint32(): number {
    let x = this.#state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.#state = x;
    return x;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A float in [low, high). */
  between(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextUint32() & 0xff;
    return out;
  }
}
