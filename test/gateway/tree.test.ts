// The tree math against an independent RFC 9162 implementation written here
// from the definitions (recursive MTH, PATH, PROOF over an array of leaves),
// against the published RFC 6962 vectors, and against broken proofs that
// must fail with a named error.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  appendToBorder,
  borderNodes,
  consistencyProof,
  foldBorder,
  inclusionProof,
  rootHash,
  verifyConsistency,
  verifyInclusion,
  type NodeSource,
} from "../../gateway/ledger/tree.ts";
import { hex, MTH, PATH, PROOF, refLeaf } from "./rfc9162-reference.ts";

/** The tree under test reads only perfect subtrees, as the store keeps them. */
function nodeSourceOf(D: Uint8Array[]): NodeSource & { reads: number } {
  const memo = new Map<string, Uint8Array>();
  const source = ((level: number, index: number) => {
    source.reads++;
    const width = 2 ** level;
    if ((index + 1) * width > D.length) throw new Error(`node (${level}, ${index}) is outside a tree of ${D.length}`);
    const key = `${level}/${index}`;
    let h = memo.get(key);
    if (!h) memo.set(key, (h = MTH(D.slice(index * width, (index + 1) * width))));
    return h;
  }) as NodeSource & { reads: number };
  source.reads = 0;
  return source;
}

function leavesOf(n: number, seed = 0): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => new TextEncoder().encode(`entry ${seed}/${i}`));
}

const flipBit = (h: Uint8Array) => h.map((b, i) => (i === 7 ? b ^ 0x20 : b));
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

// A deterministic generator, so a failure names a size that can be replayed.
function* randomSizes(count: number, max: number): Generator<number> {
  let x = 0x2545f491;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield 65 + ((x >>> 0) % (max - 65));
  }
}

describe("tree math matches the RFC 9162 definitions", () => {
  test("every root, inclusion proof and consistency proof for every size 1..64", () => {
    const D = leavesOf(64);
    const leafHashes = D.map(refLeaf);
    for (let n = 1; n <= 64; n++) {
      const node = nodeSourceOf(D.slice(0, n));
      const root = MTH(D.slice(0, n));
      expect(hex(rootHash(node, n)), `root of ${n}`).toBe(hex(root));
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(node, i, n);
        expect(proof.map(hex), `PATH(${i}, ${n})`).toEqual(PATH(i, D.slice(0, n)).map(hex));
        verifyInclusion(i, n, leafHashes[i], proof, root);
        for (let j = 0; j < proof.length; j++) {
          const bent = proof.map((h, at) => (at === j ? flipBit(h) : h));
          expect(() => verifyInclusion(i, n, leafHashes[i], bent, root), `PATH(${i}, ${n}) hash ${j} flipped`).toThrow(/does not match/);
        }
      }
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(node, m, n);
        expect(proof.map(hex), `PROOF(${m}, ${n})`).toEqual(PROOF(m, D.slice(0, n)).map(hex));
        const oldRoot = MTH(D.slice(0, m));
        verifyConsistency(m, n, oldRoot, root, proof);
        for (let j = 0; j < proof.length; j++) {
          const bent = proof.map((h, at) => (at === j ? flipBit(h) : h));
          expect(() => verifyConsistency(m, n, oldRoot, root, bent), `PROOF(${m}, ${n}) hash ${j} flipped`).toThrow(/root/);
        }
      }
    }
  });

  test("random bigger sizes, every index, and consistency from sizes spread below", () => {
    for (const n of randomSizes(6, 700)) {
      const D = leavesOf(n, n);
      const node = nodeSourceOf(D);
      const root = MTH(D);
      expect(hex(rootHash(node, n))).toBe(hex(root));
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(node, i, n);
        expect(proof.map(hex), `PATH(${i}, ${n})`).toEqual(PATH(i, D).map(hex));
        verifyInclusion(i, n, refLeaf(D[i]), proof, root);
      }
      for (const m of [1, 2, 3, Math.floor(n / 3), n - 64, n - 1, n]) {
        const proof = consistencyProof(node, m, n);
        expect(proof.map(hex), `PROOF(${m}, ${n})`).toEqual(PROOF(m, D).map(hex));
        verifyConsistency(m, n, MTH(D.slice(0, m)), root, proof);
      }
    }
  });

  test("a proof reads O(log n) stored nodes: at most two per level", () => {
    const n = 1000;
    const node = nodeSourceOf(leavesOf(n));
    for (const i of [0, 1, 511, 512, 999]) {
      node.reads = 0;
      inclusionProof(node, i, n);
      expect(node.reads, `reads for PATH(${i}, ${n})`).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)));
    }
    node.reads = 0;
    consistencyProof(node, 700, n);
    expect(node.reads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)));
  });

  test("appending to the border reproduces every root and reports every perfect subtree once", () => {
    const D = leavesOf(130);
    const border: Uint8Array[] = [];
    const completed = new Map<string, string>();
    for (let n = 0; n < D.length; n++) {
      appendToBorder(border, n, refLeaf(D[n]), (level, index, h) => {
        const key = `${level}/${index}`;
        expect(completed.has(key), `node ${key} completed twice`).toBe(false);
        completed.set(key, hex(h));
      });
      expect(hex(foldBorder(border)), `root after ${n + 1}`).toBe(hex(MTH(D.slice(0, n + 1))));
      expect(border.length).toBe(borderNodes(n + 1).length);
    }
    const node = nodeSourceOf(D);
    for (const [key, h] of completed) {
      const [level, index] = key.split("/").map(Number);
      expect(h, key).toBe(hex(node(level, index)));
    }
    expect(completed.size).toBe(2 * 130 - [...(130).toString(2)].filter((b) => b === "1").length);
  });

  test("the border of a size is one perfect subtree per set bit, largest first", () => {
    expect(borderNodes(1)).toEqual([{ level: 0, index: 0 }]);
    expect(borderNodes(6)).toEqual([{ level: 2, index: 0 }, { level: 1, index: 2 }]);
    expect(borderNodes(7)).toEqual([{ level: 2, index: 0 }, { level: 1, index: 2 }, { level: 0, index: 6 }]);
    expect(borderNodes(2 ** 40 + 1)).toEqual([{ level: 40, index: 0 }, { level: 0, index: 2 ** 40 }]);
  });
});

// ——— Published vectors and broken cases, from files ———
interface Vectors {
  leaves: string[];
  roots: string[];
  inclusion: { index: number; size: number; proof: string[] }[];
  consistency: { size1: number; size2: number; proof: string[] }[];
}
interface BrokenCase {
  desc: string;
  kind: "inclusion" | "consistency";
  index?: number;
  size?: number;
  leaf?: string;
  root?: string;
  size1?: number;
  size2?: number;
  root1?: string;
  root2?: string;
  proof: string[];
  error: string;
}
const data = (name: string) => JSON.parse(readFileSync(new URL(`./data/${name}`, import.meta.url), "utf8"));
const vectors: Vectors = data("rfc6962-vectors.json");
const broken: BrokenCase[] = data("broken-proofs.json");

describe("the published RFC 6962 vectors (transparency-dev/merkle)", () => {
  const D = vectors.leaves.map(unhex);
  const node = nodeSourceOf(D);

  test("roots for sizes 1..8", () => {
    vectors.roots.forEach((root, i) => expect(hex(rootHash(node, i + 1))).toBe(root));
  });

  test.each(vectors.inclusion)("inclusion of leaf $index in size $size", ({ index, size, proof }) => {
    expect(inclusionProof(node, index, size).map(hex)).toEqual(proof);
    verifyInclusion(index, size, refLeaf(D[index]), proof.map(unhex), unhex(vectors.roots[size - 1]));
  });

  test.each(vectors.consistency)("consistency from $size1 to $size2", ({ size1, size2, proof }) => {
    expect(consistencyProof(node, size1, size2).map(hex)).toEqual(proof);
    verifyConsistency(size1, size2, unhex(vectors.roots[size1 - 1]), unhex(vectors.roots[size2 - 1]), proof.map(unhex));
  });
});

describe("broken proofs fail with the error that names the problem", () => {
  test.each(broken)("$kind: $desc", (c) => {
    const proof = c.proof.map(unhex);
    const run =
      c.kind === "inclusion"
        ? () => verifyInclusion(c.index!, c.size!, unhex(c.leaf!), proof, unhex(c.root!))
        : () => verifyConsistency(c.size1!, c.size2!, unhex(c.root1!), unhex(c.root2!), proof);
    expect(run).toThrow(c.error);
  });

  test("the case file covers flipped bits, wrong sizes, extra hashes and truncation for both kinds", () => {
    for (const kind of ["inclusion", "consistency"]) {
      const descs = broken.filter((c) => c.kind === kind).map((c) => c.desc);
      for (const what of ["flipped", "size", "extra", "truncated"]) expect(descs.some((d) => d.includes(what)), `${kind} ${what}`).toBe(true);
    }
  });
});
