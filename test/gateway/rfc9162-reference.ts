// RFC 9162 §2.1 written straight from its definitions (recursive MTH, PATH,
// PROOF over an array of leaves), deliberately naive and independent of
// gateway/ledger/tree.ts, which the tests check against it.
import { createHash } from "node:crypto";

const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
export const refLeaf = (data: Uint8Array) => sha(Uint8Array.of(0), data);
const refNode = (l: Uint8Array, r: Uint8Array) => sha(Uint8Array.of(1), l, r);
// The largest power of two smaller than n.
const k = (n: number) => {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
};

export function MTH(D: Uint8Array[]): Uint8Array {
  if (D.length === 0) return sha();
  if (D.length === 1) return refLeaf(D[0]);
  return refNode(MTH(D.slice(0, k(D.length))), MTH(D.slice(k(D.length))));
}

export function PATH(m: number, D: Uint8Array[]): Uint8Array[] {
  if (D.length === 1) return [];
  const s = k(D.length);
  return m < s ? [...PATH(m, D.slice(0, s)), MTH(D.slice(s))] : [...PATH(m - s, D.slice(s)), MTH(D.slice(0, s))];
}

function SUBPROOF(m: number, D: Uint8Array[], b: boolean): Uint8Array[] {
  const n = D.length;
  if (m === n) return b ? [] : [MTH(D)];
  const s = k(n);
  return m <= s ? [...SUBPROOF(m, D.slice(0, s), b), MTH(D.slice(s))] : [...SUBPROOF(m - s, D.slice(s), false), MTH(D.slice(0, s))];
}

export const PROOF = (m: number, D: Uint8Array[]) => SUBPROOF(m, D, true);

export const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
