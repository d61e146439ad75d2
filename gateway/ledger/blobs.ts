// Off-chain files beside the log (PROTOCOL §4.6: rolls), content-addressed:
// <data dir>/blobs/<sha256 hex>. The ledger commits the hash; anyone who
// fetches /log/blob/<hex> can check the file against it.
import { createHash } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

export const BLOB_ID = /^[0-9a-f]{64}$/;

export class BlobStore {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** The blob directory under the gateway's data directory, created if missing. */
  static open(dataDir: string): BlobStore {
    const dir = join(dataDir, "blobs");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new BlobStore(dir);
  }

  /** Stores bytes and returns their SHA-256 (lowercase hex). Written to a temporary file, synced and renamed: never half a file. */
  put(bytes: Uint8Array): string {
    const id = createHash("sha256").update(bytes).digest("hex");
    const path = join(this.dir, id);
    if (existsSync(path)) return id; // content-addressed: the same name is the same bytes
    const temporary = `${path}.${process.pid}.tmp`;
    const fd = openSync(temporary, "w", 0o600);
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      renameSync(temporary, path);
    } catch (e) {
      unlinkSync(temporary);
      throw e;
    }
    const dir = openSync(this.dir, "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    return id;
  }

  /** The blob with this SHA-256 (lowercase hex), or null; a file that no longer matches its hash is an error, not an answer. */
  get(id: string): Uint8Array | null {
    if (!BLOB_ID.test(id)) throw new RangeError(`blob id must be 64 lowercase hex digits (a SHA-256), got ${JSON.stringify(id)}`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(this.dir, id));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw e;
    }
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== id) throw new Error(`blob ${id} is damaged: its content hashes to ${actual}`);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}
