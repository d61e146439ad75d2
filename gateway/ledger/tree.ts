// RFC 9162 §2.1 Merkle tree math, as small pure functions: no storage, no
// clock, no Node APIs, so an auditor's browser can run the verifiers.
//
// Nodes are named by (level, index): the perfect subtree of 2^level leaves
// starting at leaf index·2^level. Proofs are built from a NodeSource that
// returns the hash of any perfect subtree lying wholly inside the tree; only
// perfect subtrees are ever stored, so everything here costs O(log n) reads.
import { sha256 } from "@noble/hashes/sha2.js";
import { equalBytes, toHex } from "../../firmware/protocol/index.ts";

export const HASH_SIZE = 32;

/** Hash of the perfect subtree (level, index); it must lie inside the tree the caller asks about. */
export type NodeSource = (level: number, index: number) => Uint8Array;

/** A proof that does not verify; the message carries the numbers (transparency-dev/merkle style). */
export class ProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProofError";
  }
}

const NODE_PREFIX = 0x01;

/** RFC 9162 §2.1.1 interior node: SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + 2 * HASH_SIZE);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 1 + HASH_SIZE);
  return sha256(buf);
}

/** MTH of the empty list: SHA-256 of nothing (RFC 9162 §2.1.1). Our logs are never empty. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** The largest power of two strictly below n. Requires n ≥ 2. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect subtrees that make up leaves [0, size), largest first: one per
 * set bit of size. They are the only nodes an append needs (the right border).
 */
export function borderNodes(size: number): { level: number; index: number }[] {
  checkSize(size, "size");
  const out: { level: number; index: number }[] = [];
  let start = 0;
  for (let level = Math.floor(Math.log2(size || 1)) + 1; level >= 0; level--) {
    const width = 2 ** level;
    if (start + width <= size) {
      out.push({ level, index: start / width });
      start += width;
    }
  }
  return out;
}

/** Folds perfect subtree hashes, largest (leftmost) first, into the Merkle Tree Hash of their union. */
export function foldBorder(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_ROOT;
  let h = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i--) h = hashChildren(hashes[i], h);
  return h;
}

/**
 * MTH(D[start:end]) from perfect subtrees. Requires start to be a multiple of
 * the smallest power of two ≥ end − start, which every range the RFC 9162
 * recursion visits is.
 */
export function subtreeHash(node: NodeSource, start: number, end: number): Uint8Array {
  const width = end - start;
  if (width <= 0) throw new RangeError(`empty subtree [${start}, ${end})`);
  const hashes: Uint8Array[] = [];
  let at = start;
  for (let level = Math.floor(Math.log2(width)) + 1; level >= 0; level--) {
    const w = 2 ** level;
    if (at + w <= end) {
      if (at % w !== 0) throw new RangeError(`subtree [${start}, ${end}) is not aligned`);
      hashes.push(node(level, at / w));
      at += w;
    }
  }
  return foldBorder(hashes);
}

/**
 * Appends one leaf to a tree given by its border (the hashes of
 * borderNodes(size), largest first), in place, and reports each perfect
 * subtree the leaf completes — the leaf itself first — so a store can keep it.
 */
export function appendToBorder(
  border: Uint8Array[],
  size: number,
  leafHash: Uint8Array,
  completed: (level: number, index: number, hash: Uint8Array) => void,
): void {
  checkSize(size, "size");
  if (border.length !== popCount(size)) throw new RangeError(`a tree of size ${size} has ${popCount(size)} border nodes, got ${border.length}`);
  let h = leafHash;
  let index = size;
  let level = 0;
  completed(level, index, h);
  // An odd index is a right child: its left sibling is the last border node.
  while (index % 2 === 1) {
    h = hashChildren(border.pop()!, h);
    index = (index - 1) / 2;
    level++;
    completed(level, index, h);
  }
  border.push(h);
}

/** The Merkle Tree Hash of the first `size` leaves. Requires size ≥ 1. */
export function rootHash(node: NodeSource, size: number): Uint8Array {
  checkSize(size, "size");
  if (size === 0) return EMPTY_ROOT;
  return subtreeHash(node, 0, size);
}

/** RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf to root. Requires 0 ≤ index < size. */
export function inclusionProof(node: NodeSource, index: number, size: number): Uint8Array[] {
  checkSize(size, "size");
  checkSize(index, "index");
  if (index >= size) throw new RangeError(`index ${index} is beyond size ${size}`);
  const path: Uint8Array[] = [];
  // Walk down from the root; siblings are collected top-down and reversed at the end.
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      path.push(subtreeHash(node, start + k, end));
      end = start + k;
    } else {
      path.push(subtreeHash(node, start, start + k));
      start += k;
    }
  }
  return path.reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(size1, D[0:size2]). Requires 1 ≤ size1 ≤ size2; equal sizes give []. */
export function consistencyProof(node: NodeSource, size1: number, size2: number): Uint8Array[] {
  checkSize(size1, "size1");
  checkSize(size2, "size2");
  if (size1 < 1) throw new RangeError("a consistency proof from an empty tree is meaningless");
  if (size1 > size2) throw new RangeError(`size1 ${size1} is above size2 ${size2}`);
  const proof: Uint8Array[] = [];
  // SUBPROOF(m, D[start:end], whole) unrolled; collected top-down, reversed at the end.
  let m = size1;
  let start = 0;
  let end = size2;
  let whole = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      proof.push(subtreeHash(node, start + k, end));
      end = start + k;
    } else {
      proof.push(subtreeHash(node, start, start + k));
      start += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) proof.push(subtreeHash(node, start, end));
  return proof.reverse();
}

// ——— Verification (RFC 9162 §2.1.3.2 and §2.1.4.2, in transparency-dev/merkle's bit form) ———

/** Checks an inclusion proof; throws ProofError naming what is wrong. Requires 0 ≤ index < size. */
export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  checkRoot(rootFromInclusionProof(index, size, leafHash, proof), root);
}

/** The root an inclusion proof leads to. Requires 0 ≤ index < size. */
export function rootFromInclusionProof(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  checkSize(index, "index");
  checkSize(size, "size");
  if (index >= size) throw new ProofError(`index is beyond size: ${index} >= ${size}`);
  checkHash(leafHash, "leaf hash");
  proof.forEach((h, i) => checkHash(h, `proof hash ${i}`));
  const { inner, border } = decomposeInclusion(index, size);
  if (proof.length !== inner + border) throw new ProofError(`wrong proof size ${proof.length}, want ${inner + border}`);
  const h = chainInner(leafHash, proof.slice(0, inner), index);
  return chainBorderRight(h, proof.slice(inner));
}

/** Checks that the tree of size2 extends the tree of size1; throws ProofError naming what is wrong. Requires 1 ≤ size1 ≤ size2. */
export function verifyConsistency(size1: number, size2: number, root1: Uint8Array, root2: Uint8Array, proof: readonly Uint8Array[]): void {
  checkRoot(rootFromConsistencyProof(size1, size2, root1, proof), root2);
}

/** The size2 root a consistency proof leads to, after checking it reproduces root1. Requires 1 ≤ size1 ≤ size2. */
export function rootFromConsistencyProof(size1: number, size2: number, root1: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  checkSize(size1, "size1");
  checkSize(size2, "size2");
  checkHash(root1, "root1");
  proof.forEach((h, i) => checkHash(h, `proof hash ${i}`));
  if (size2 < size1) throw new ProofError(`size2 (${size2}) < size1 (${size1})`);
  if (size1 === size2) {
    if (proof.length > 0) throw new ProofError(`size1 = size2 = ${size1}, but the proof has ${proof.length} hashes, want 0`);
    return root1;
  }
  if (size1 === 0) throw new ProofError("a consistency proof from an empty tree is meaningless");
  if (proof.length === 0) throw new ProofError(`empty proof from size ${size1} to ${size2}`);

  const decomposed = decomposeInclusion(size1 - 1, size2);
  const shift = trailingZeros(size1);
  const inner = decomposed.inner - shift; // shift < inner when size1 < size2
  // The proof starts with the root of the perfect subtree of 2^shift leaves ending at size1, unless that is the whole old tree.
  const oldIsPerfect = size1 === 2 ** shift;
  const seed = oldIsPerfect ? root1 : proof[0];
  const start = oldIsPerfect ? 0 : 1;
  const want = start + inner + decomposed.border;
  if (proof.length !== want) throw new ProofError(`wrong proof size ${proof.length}, want ${want}`);
  const rest = proof.slice(start);
  const mask = Math.floor((size1 - 1) / 2 ** shift);

  const hash1 = chainBorderRight(chainInnerRight(seed, rest.slice(0, inner), mask), rest.slice(inner));
  if (!equalBytes(hash1, root1)) throw new ProofError(`the proof leads to old root ${toHex(hash1)}, want ${toHex(root1)}`);
  return chainBorderRight(chainInner(seed, rest.slice(0, inner), mask), rest.slice(inner));
}

// Where the paths to `index` and to the last leaf part: `inner` levels below, then `border` left siblings above.
function decomposeInclusion(index: number, size: number): { inner: number; border: number } {
  const inner = bitLength(xor(index, size - 1));
  return { inner, border: popCount(Math.floor(index / 2 ** inner)) };
}

function chainInner(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  let h = seed;
  for (let i = 0; i < proof.length; i++) h = bit(index, i) === 0 ? hashChildren(h, proof[i]) : hashChildren(proof[i], h);
  return h;
}

// Like chainInner, but only left siblings count: the result is this subtree's hash at the older size.
function chainInnerRight(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  let h = seed;
  for (let i = 0; i < proof.length; i++) if (bit(index, i) === 1) h = hashChildren(proof[i], h);
  return h;
}

function chainBorderRight(seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  let h = seed;
  for (const p of proof) h = hashChildren(p, h);
  return h;
}

function checkRoot(calculated: Uint8Array, expected: Uint8Array): void {
  checkHash(expected, "root");
  if (!equalBytes(calculated, expected)) throw new ProofError(`calculated root ${toHex(calculated)} does not match expected root ${toHex(expected)}`);
}

function checkHash(h: Uint8Array, what: string): void {
  if (!(h instanceof Uint8Array)) throw new ProofError(`${what} is not bytes`);
  if (h.length !== HASH_SIZE) throw new ProofError(`${what} has ${h.length} bytes, want ${HASH_SIZE}`);
}

// Sizes and indices are safe integers, so up to 2^53 leaves: JS bit operators would stop at 2^31.
function checkSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be an integer from 0 to 2^53 − 1, got ${n}`);
}

function bit(n: number, i: number): number {
  return Math.floor(n / 2 ** i) % 2;
}

function bitLength(n: number): number {
  let bits = 0;
  while (n > 0) {
    n = Math.floor(n / 2);
    bits++;
  }
  return bits;
}

function popCount(n: number): number {
  let ones = 0;
  while (n > 0) {
    ones += n % 2;
    n = Math.floor(n / 2);
  }
  return ones;
}

function trailingZeros(n: number): number {
  let zeros = 0;
  while (n > 0 && n % 2 === 0) {
    n /= 2;
    zeros++;
  }
  return zeros;
}

function xor(a: number, b: number): number {
  let out = 0;
  for (let p = 1; a > 0 || b > 0; p *= 2) {
    if (a % 2 !== b % 2) out += p;
    a = Math.floor(a / 2);
    b = Math.floor(b / 2);
  }
  return out;
}
