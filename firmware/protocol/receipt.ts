// Receipt codes of PROTOCOL §7.5: base32 (RFC 4648, uppercase, no padding)
// of the first 5 bytes of a leaf hash, shown as ABCD-EFGH.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const RECEIPT_CODE = /^[A-Z2-7]{4}-[A-Z2-7]{4}$/;

export function receiptCode(leafHash: Uint8Array): string {
  if (leafHash.length < 5) throw new RangeError(`leaf hash must have at least 5 bytes, got ${leafHash.length}`);
  // 40 bits = 8 groups of 5, most significant first.
  const hi = (leafHash[0] << 12) | (leafHash[1] << 4) | (leafHash[2] >> 4); // bits 0..19
  const lo = ((leafHash[2] & 15) << 16) | (leafHash[3] << 8) | leafHash[4]; // bits 20..39
  let out = "";
  for (let shift = 15; shift >= 0; shift -= 5) out += ALPHABET[(hi >> shift) & 31];
  out += "-";
  for (let shift = 15; shift >= 0; shift -= 5) out += ALPHABET[(lo >> shift) & 31];
  return out;
}

/** Accepts a code with or without the dash, in either case; returns the canonical ABCD-EFGH or null. */
export function normalizeReceiptCode(input: string): string | null {
  const compact = input.trim().toUpperCase().replace("-", "");
  if (!/^[A-Z2-7]{8}$/.test(compact)) return null;
  return `${compact.slice(0, 4)}-${compact.slice(4)}`;
}

/** The 5 leaf-hash bytes a code stands for (for lookups by prefix). */
export function receiptPrefix(code: string): Uint8Array {
  const canonical = normalizeReceiptCode(code);
  if (canonical === null) throw new RangeError(`${JSON.stringify(code)} is not a receipt code (ABCD-EFGH, base32)`);
  const chars = canonical.replace("-", "");
  let bits = 0;
  let acc = 0;
  const out = new Uint8Array(5);
  let at = 0;
  for (const c of chars) {
    acc = (acc << 5) | ALPHABET.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 255;
      acc &= (1 << bits) - 1;
    }
  }
  return out;
}
