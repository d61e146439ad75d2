// Checkpoints of PROTOCOL §7.3: a C2SP tlog-checkpoint v1.0.0 body (origin,
// size, base64 root) in a C2SP signed-note v1.0.0 with one Ed25519 signature
// line "— <name> <base64(key ID ‖ signature)>". Pure code (no Node APIs), so an
// auditor's browser can check a checkpoint against the pinned verifier key.
import { sha256 } from "@noble/hashes/sha2.js";
import { ALG_EDDSA, concatBytes, equalBytes, toHex, utf8Encode, verifyMessage } from "../../firmware/protocol/index.ts";
import { HASH_SIZE } from "./tree.ts";

export interface Checkpoint {
  /** The log's origin, which is also the gateway key's name. */
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
}

export interface SignedCheckpoint extends Checkpoint {
  /** The whole signed note, exactly as served at /log/checkpoint. */
  readonly note: string;
}

/** What signs a note: the gateway key (gateway/key.ts) is one. */
export interface NoteSigner {
  readonly name: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** A parsed verifier key string `<name>+<hex key ID>+<base64(0x01 ‖ public key)>`. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Any failure to read or verify a note, key or checkpoint; the message says which rule broke. */
export class NoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NoteError";
  }
}

const ED25519_TYPE = 0x01;
const ED25519_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;
const SIGNATURE_PREFIX = "— "; // em dash U+2014, space
/** The signed-note spec asks verifiers for a limit of at least 16; Go's note package uses 100. */
const MAX_SIGNATURES = 100;

// ——— Keys ———

/** C2SP signed-note key ID: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key). */
export function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  checkKeyName(name);
  if (publicKey.length !== ED25519_KEY_SIZE) throw new NoteError(`Ed25519 public key must be ${ED25519_KEY_SIZE} bytes, got ${publicKey.length}`);
  return sha256(concatBytes(utf8Encode(name), Uint8Array.of(0x0a, ED25519_TYPE), publicKey)).slice(0, 4);
}

export function verifierKeyString(name: string, publicKey: Uint8Array): string {
  return `${name}+${toHex(keyId(name, publicKey))}+${encodeBase64(concatBytes(Uint8Array.of(ED25519_TYPE), publicKey))}`;
}

/** Parses a verifier key string and checks that its key ID is the one its name and key give. */
export function parseVerifierKey(text: string): VerifierKey {
  const first = text.indexOf("+");
  const second = text.indexOf("+", first + 1);
  if (first < 0 || second < 0) throw new NoteError("verifier key must be <name>+<hex key ID>+<base64 key>");
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new NoteError(`verifier key ID ${JSON.stringify(idHex)} is not 8 lowercase hex digits`);
  const material = decodeBase64(text.slice(second + 1), "verifier key");
  if (material.length === 0 || material[0] !== ED25519_TYPE)
    throw new NoteError(`verifier key type ${material.length ? material[0] : "(none)"} is not 1 (Ed25519)`);
  const publicKey = material.slice(1);
  if (publicKey.length !== ED25519_KEY_SIZE) throw new NoteError(`Ed25519 verifier key must be ${ED25519_KEY_SIZE} bytes, got ${publicKey.length}`);
  const id = keyId(name, publicKey);
  if (toHex(id) !== idHex) throw new NoteError(`verifier key ID ${idHex} does not match its name and key (want ${toHex(id)})`);
  return { name, keyId: id, publicKey };
}

// ——— Signed notes ———

/** Signs note text (which must end in a newline) into a signed note with one signature line. */
export function signNote(text: string, signer: NoteSigner): string {
  checkNoteText(text);
  const signature = signer.sign(utf8Encode(text));
  if (signature.length !== ED25519_SIGNATURE_SIZE) throw new NoteError(`Ed25519 signature must be ${ED25519_SIGNATURE_SIZE} bytes, got ${signature.length}`);
  return `${text}\n${SIGNATURE_PREFIX}${signer.name} ${encodeBase64(concatBytes(keyId(signer.name, signer.publicKey), signature))}\n`;
}

/**
 * Verifies a signed note against one key and returns its text. Signatures by
 * other keys are ignored, as the spec requires; a signature by this key that
 * does not verify rejects the whole note; so does a note with none by it.
 */
export function openNote(note: string, key: VerifierKey | string): string {
  const verifier = typeof key === "string" ? parseVerifierKey(key) : key;
  for (let i = 0; i < note.length; i++) {
    const c = note.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw new NoteError(`note has control character 0x${c.toString(16).padStart(2, "0")} at ${i}`);
  }
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new NoteError("note has no blank line before its signatures");
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (!block.endsWith("\n")) throw new NoteError("note signatures must end with a newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw new NoteError(`note has ${lines.length} signatures, over the limit of ${MAX_SIGNATURES}`);
  const message = utf8Encode(text);
  let verified = false;
  for (const [n, line] of lines.entries()) {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw new NoteError(`note signature line ${n + 1} does not start with "— "`);
    const space = line.indexOf(" ", SIGNATURE_PREFIX.length);
    if (space < 0) throw new NoteError(`note signature line ${n + 1} has no space between name and signature`);
    const name = line.slice(SIGNATURE_PREFIX.length, space);
    checkKeyName(name);
    const blob = decodeBase64(line.slice(space + 1), `signature line ${n + 1}`);
    if (blob.length < 5) throw new NoteError(`note signature line ${n + 1} is ${blob.length} bytes, too short for a key ID and a signature`);
    if (name !== verifier.name || !equalBytes(blob.subarray(0, 4), verifier.keyId)) continue; // another signer's: ignored
    const signature = blob.subarray(4);
    if (signature.length !== ED25519_SIGNATURE_SIZE || !verifyMessage(ALG_EDDSA, verifier.publicKey, message, signature))
      throw new NoteError(`invalid signature for key ${name}+${toHex(verifier.keyId)}`);
    verified = true;
  }
  if (!verified) throw new NoteError(`note has no signature by key ${verifier.name}+${toHex(verifier.keyId)}`);
  return text;
}

// ——— Checkpoints ———

/** The tlog-checkpoint body: origin, decimal size, base64 root, each ending in a newline. */
export function checkpointBody(checkpoint: Checkpoint): string {
  checkKeyName(checkpoint.origin);
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) throw new NoteError(`checkpoint size must be a non-negative integer, got ${checkpoint.size}`);
  if (checkpoint.root.length !== HASH_SIZE) throw new NoteError(`checkpoint root must be ${HASH_SIZE} bytes, got ${checkpoint.root.length}`);
  return `${checkpoint.origin}\n${checkpoint.size}\n${encodeBase64(checkpoint.root)}\n`;
}

/** Reads a checkpoint body strictly: Signet checkpoints have exactly three lines, no extension lines. */
export function parseCheckpointBody(text: string): Checkpoint {
  if (!text.endsWith("\n")) throw new NoteError("checkpoint must end with a newline");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length !== 3) throw new NoteError(`checkpoint has ${lines.length} lines, want 3 (origin, size, root)`);
  const [origin, sizeText, rootText] = lines;
  checkKeyName(origin);
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new NoteError(`checkpoint size ${JSON.stringify(sizeText)} is not a decimal without leading zeros`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new NoteError(`checkpoint size ${sizeText} is above 2^53 − 1`);
  const root = decodeBase64(rootText, "checkpoint root");
  if (root.length !== HASH_SIZE) throw new NoteError(`checkpoint root is ${root.length} bytes, want ${HASH_SIZE}`);
  return { origin, size, root };
}

export function signCheckpoint(checkpoint: Checkpoint, signer: NoteSigner): SignedCheckpoint {
  if (checkpoint.origin !== signer.name) throw new NoteError(`checkpoint origin ${checkpoint.origin} is not the signing key's name ${signer.name}`);
  return { ...checkpoint, note: signNote(checkpointBody(checkpoint), signer) };
}

/** Verifies a checkpoint note against the log's verifier key; its origin must be the key's name (§7.3). */
export function openCheckpoint(note: string, key: VerifierKey | string): SignedCheckpoint {
  const verifier = typeof key === "string" ? parseVerifierKey(key) : key;
  const checkpoint = parseCheckpointBody(openNote(note, verifier));
  if (checkpoint.origin !== verifier.name) throw new NoteError(`checkpoint origin ${checkpoint.origin} is not the key's name ${verifier.name}`);
  return { ...checkpoint, note };
}

// ——— Helpers of this format ———

// Signed-note key names: non-empty, no Unicode spaces, no "+". (Signet's own are stricter, PROTOCOL §1.)
function checkKeyName(name: string): void {
  if (name.length === 0) throw new NoteError("key name is empty");
  if (/[\s+]/u.test(name)) throw new NoteError(`key name ${JSON.stringify(name)} contains a space or "+"`);
}

function checkNoteText(text: string): void {
  if (!text.endsWith("\n")) throw new NoteError("note text must end with a newline");
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) throw new NoteError(`note text has control character 0x${c.toString(16).padStart(2, "0")} at ${i}`);
  }
}

/** Standard base64 with padding (RFC 4648 §4). */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

/** Strict standard base64: right alphabet, padding, and no stray bits (it must re-encode to itself). */
export function decodeBase64(text: string, what: string): Uint8Array {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) throw new NoteError(`${what} is not standard padded base64`);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  if (encodeBase64(bytes) !== text) throw new NoteError(`${what} is not canonical base64`);
  return bytes;
}
