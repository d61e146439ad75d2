// Reject reasons of PROTOCOL §6, the one vocabulary for every failure on the
// wire: the gateway, the reject store, metrics, tests and the CLI all use it.

export type RejectReason =
  | "too-large"
  | "malformed"
  | "bad-header"
  | "unknown-device"
  | "revoked"
  | "bad-signature"
  | "bad-payload"
  | "topic-mismatch"
  | "duplicate"
  | "seq-reused"
  | "no-ballot"
  | "ballot-closed"
  | "bad-choice"
  | "not-eligible"
  | "already-voted"
  | "counter-regressed";

/** In the order of PROTOCOL §6 (rule 8 and 9 codes in the order listed there). */
export const REJECT_REASONS: readonly RejectReason[] = Object.freeze([
  "too-large",
  "malformed",
  "bad-header",
  "unknown-device",
  "revoked",
  "bad-signature",
  "bad-payload",
  "topic-mismatch",
  "duplicate",
  "seq-reused",
  "no-ballot",
  "ballot-closed",
  "bad-choice",
  "not-eligible",
  "already-voted",
  "counter-regressed",
]);

export function isRejectReason(value: unknown): value is RejectReason {
  return typeof value === "string" && (REJECT_REASONS as readonly string[]).includes(value);
}

/** A protocol failure: `reason` is the §6 code, the message says what exactly is wrong. */
export class ProtocolError extends Error {
  readonly reason: RejectReason;
  constructor(reason: RejectReason, message: string) {
    super(message);
    this.name = "ProtocolError";
    this.reason = reason;
  }
}

/** The structural rules of PROTOCOL §2, each with its own code. */
export type CborErrorCode =
  | "truncated"
  | "trailing-bytes"
  | "float"
  | "tag"
  | "simple"
  | "indefinite"
  | "non-shortest"
  | "unsorted-keys"
  | "duplicate-key"
  | "bad-key-type"
  | "invalid-utf8"
  | "reserved"
  | "too-deep"
  | "unencodable";

/** A CBOR encoding or decoding failure; on the wire it is always `malformed`. */
export class CborError extends ProtocolError {
  readonly code: CborErrorCode;
  readonly offset: number;
  constructor(code: CborErrorCode, message: string, offset = -1) {
    super("malformed", offset >= 0 ? `${message} (at byte ${offset})` : message);
    this.name = "CborError";
    this.code = code;
    this.offset = offset;
  }
}
