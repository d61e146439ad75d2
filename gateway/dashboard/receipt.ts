// Receipt lookup, checked by the voter's own browser: the answer of
// GET /log/receipt/{code} (PROTOCOL §7.4) is trusted for nothing. The
// checkpoint must carry a valid signature by the verifier key, each entry's
// leaf hash must carry the code the voter typed (§7.5) and lead through its
// inclusion proof to the checkpoint's root (RFC 9162). Pure code (no DOM, no
// Node APIs), so the page runs it and the tests can too.
import {
  decodeEntry,
  decodeSign1,
  fromHex,
  leafHash,
  normalizeReceiptCode,
  parsePayload,
  receiptCode,
  toHex,
  type EntryKind,
} from "../../firmware/protocol/index.ts";
import { decodeBase64, openCheckpoint, type VerifierKey } from "../ledger/checkpoint.ts";
import { verifyConsistency, verifyInclusion } from "../ledger/tree.ts";

/** One check and its verdict; `detail` says what was compared or what broke. */
export interface Check {
  readonly ok: boolean;
  readonly detail: string;
}

/** What the entry says, for the voter to recognise it: a vote's ballot and choice, or what else it is. */
export interface EntryContent {
  readonly kind: EntryKind;
  /** Gateway receive time, Unix milliseconds. */
  readonly at: number;
  /** The signer: a device id, an administrator's or the gateway's key name. */
  readonly signer: string;
  readonly type?: string;
  readonly ballot?: string;
  readonly choice?: string;
  readonly voter?: string;
  readonly device?: string;
}

export interface MatchVerdict {
  readonly index: number;
  readonly verified: boolean;
  /** The leaf hash of the entry bytes carries the code looked up. */
  readonly leaf: Check;
  /** The inclusion proof leads from that leaf hash to the checkpoint's root. */
  readonly inclusion: Check;
  /** Decoded only for display; null when the entry cannot be read. */
  readonly content: EntryContent | null;
  readonly contentError?: string;
}

export interface ReceiptVerdict {
  readonly code: string;
  /** True only when the checkpoint and every match verify. */
  readonly verified: boolean;
  /** The answer has the shape of §7.4 (a note and a list of matches). */
  readonly answer: Check;
  readonly checkpoint: Check & { readonly origin?: string; readonly size?: number; readonly root?: string };
  readonly matches: readonly MatchVerdict[];
}

/**
 * Verifies a receipt lookup answer (the parsed JSON of /log/receipt/{code})
 * against a verifier key. Never throws on a bad answer: every failure is a
 * check with ok false and the reason.
 */
export function verifyReceipt(code: string, answer: unknown, key: VerifierKey | string): ReceiptVerdict {
  const canonical = normalizeReceiptCode(code);
  if (canonical === null) throw new RangeError(`${JSON.stringify(code)} is not a receipt code (ABCD-EFGH)`);
  const shape = answerShape(answer);
  if (typeof shape === "string") {
    const broken = { ok: false, detail: shape };
    return { code: canonical, verified: false, answer: broken, checkpoint: { ok: false, detail: "no checkpoint to check" }, matches: [] };
  }

  let checkpoint: ReceiptVerdict["checkpoint"];
  let size = 0;
  let root: Uint8Array | undefined;
  try {
    const opened = openCheckpoint(shape.checkpoint, key);
    size = opened.size;
    root = opened.root;
    checkpoint = { ok: true, detail: `signed by ${opened.origin}, log size ${opened.size}`, origin: opened.origin, size, root: toHex(root) };
  } catch (e) {
    checkpoint = { ok: false, detail: message(e) };
  }

  const matches = shape.matches.map((match): MatchVerdict => {
    let entry: Uint8Array;
    try {
      entry = decodeBase64(match.entry, `entry ${match.index}`);
    } catch (e) {
      const broken = { ok: false, detail: message(e) };
      return { index: match.index, verified: false, leaf: broken, inclusion: broken, content: null, contentError: message(e) };
    }
    const hash = leafHash(entry);
    const found = receiptCode(hash);
    const leaf = found === canonical ? { ok: true, detail: `leaf hash ${toHex(hash)} gives ${found}` } : { ok: false, detail: `leaf hash ${toHex(hash)} gives ${found}, not ${canonical}` };
    let inclusion: Check;
    if (root === undefined) inclusion = { ok: false, detail: "no verified checkpoint to prove against" };
    else {
      try {
        const hashes = match.hashes.map((h, i) => decodeBase64(h, `proof hash ${i}`));
        if (match.index >= size) throw new Error(`index ${match.index} is not below the checkpoint size ${size}`);
        verifyInclusion(match.index, size, hash, hashes, root);
        inclusion = { ok: true, detail: `entry ${match.index} is in the log of size ${size} (${hashes.length} proof hashes)` };
      } catch (e) {
        inclusion = { ok: false, detail: message(e) };
      }
    }
    let content: EntryContent | null = null;
    let contentError: string | undefined;
    try {
      content = readContent(entry);
    } catch (e) {
      contentError = message(e);
    }
    return { index: match.index, verified: leaf.ok && inclusion.ok, leaf, inclusion, content, ...(contentError === undefined ? {} : { contentError }) };
  });

  const answerCheck = matches.length > 0 ? { ok: true, detail: `${matches.length} ${matches.length === 1 ? "entry has" : "entries have"} this code` } : { ok: false, detail: "the answer lists no entry" };
  return {
    code: canonical,
    verified: answerCheck.ok && checkpoint.ok && matches.every((m) => m.verified),
    answer: answerCheck,
    checkpoint,
    matches,
  };
}

/** A checkpoint this browser verified before (root in hex): every later one must extend it. */
export interface SeenCheckpoint {
  readonly size: number;
  readonly root: string;
}

/**
 * Checks that a verified checkpoint extends one seen before, so the log was
 * neither rewritten nor rolled back between two looks: the same size must
 * have the same root; a larger one needs the consistency proof from the
 * seen size (the base64 hashes of /log/proof/consistency); a smaller one is
 * a rollback.
 */
export function verifyGrowth(seen: SeenCheckpoint, current: SeenCheckpoint, proof: readonly string[] | null): Check {
  if (current.size < seen.size) return { ok: false, detail: `the log is at size ${current.size}, behind the size ${seen.size} this browser saw before: it was rolled back` };
  if (current.size === seen.size) {
    return current.root === seen.root
      ? { ok: true, detail: `the same checkpoint (size ${seen.size}) as this browser saw before` }
      : { ok: false, detail: `at size ${seen.size} the root is now ${current.root}, not ${seen.root} as this browser saw before: the log was rewritten` };
  }
  if (proof === null) return { ok: false, detail: `no consistency proof from size ${seen.size} to ${current.size}` };
  try {
    const hashes = proof.map((h, i) => decodeBase64(h, `consistency hash ${i}`));
    verifyConsistency(seen.size, current.size, fromHexRoot(seen.root), fromHexRoot(current.root), hashes);
    return { ok: true, detail: `the log of size ${current.size} extends the one of size ${seen.size} this browser saw before` };
  } catch (e) {
    return { ok: false, detail: `not an extension of the log of size ${seen.size} this browser saw before: ${message(e)}` };
  }
}

function fromHexRoot(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`root ${JSON.stringify(hex)} is not 64 hex digits`);
  return fromHex(hex);
}

interface ReceiptAnswer {
  readonly checkpoint: string;
  readonly matches: readonly { readonly index: number; readonly entry: string; readonly hashes: readonly string[] }[];
}

/** The §7.4 shape, or what is wrong with it. */
function answerShape(answer: unknown): ReceiptAnswer | string {
  if (typeof answer !== "object" || answer === null) return "the answer is not a JSON object";
  const { checkpoint, matches } = answer as { checkpoint?: unknown; matches?: unknown };
  if (typeof checkpoint !== "string") return "the answer has no checkpoint note";
  if (!Array.isArray(matches)) return "the answer has no list of matches";
  for (const [n, m] of matches.entries()) {
    const { index, entry, hashes } = (m ?? {}) as { index?: unknown; entry?: unknown; hashes?: unknown };
    if (!Number.isSafeInteger(index) || (index as number) < 0) return `match ${n} has no valid index`;
    if (typeof entry !== "string") return `match ${n} has no entry`;
    if (!Array.isArray(hashes) || !hashes.every((h) => typeof h === "string")) return `match ${n} has no list of proof hashes`;
  }
  return { checkpoint, matches: matches as ReceiptAnswer["matches"] };
}

/** What the entry says. Its COSE signature is not checked here: the log's inclusion is what the receipt proves. */
function readContent(entryBytes: Uint8Array): EntryContent {
  const entry = decodeEntry(entryBytes);
  const sign1 = decodeSign1(entry.cose);
  const base = { kind: entry.k, at: entry.at, signer: sign1.kid };
  const payload = parsePayload(sign1.payload);
  switch (payload.t) {
    case "vote":
      return { ...base, type: "vote", ballot: payload.ballot, choice: payload.choice, voter: payload.voter, device: payload.dev };
    case "reading":
    case "status":
      return { ...base, type: payload.t, device: payload.dev };
    case "tally":
      return { ...base, type: "tally", ballot: payload.ballot };
    case "ballot":
      return { ...base, type: "ballot", ballot: payload.id };
    default:
      return { ...base, type: payload.t };
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
