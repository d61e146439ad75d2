// The gateway's one Ed25519 key (PROTOCOL §7.3). Its name is the log's origin;
// it signs checkpoints, acks/nacks and gateway records. The 32-byte seed lives
// in <data dir>/gateway.key, mode 0600, created on first start.
import { createPrivateKey, createPublicKey, randomBytes, sign as signEd25519, type KeyObject } from "node:crypto";
import { closeSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import {
  ALG_EDDSA,
  assembleSign1,
  encodePayload,
  isId,
  KEY_NAME,
  protectedHeader,
  sigStructure,
  type GatewayAnswer,
  type GatewayRecord,
} from "../firmware/protocol/index.ts";
import { verifierKeyString, type NoteSigner } from "./ledger/checkpoint.ts";

export const GATEWAY_KEY_FILE = "gateway.key";
const SEED_SIZE = 32;
// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410), so node:crypto (OpenSSL) does the signing.
const PKCS8_ED25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

export interface GatewayKey extends NoteSigner {
  /** The key name = the log's origin (a PROTOCOL §1 key name). */
  readonly name: string;
  /** 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** `<name>+<hex key ID>+<base64(0x01 ‖ public key)>`: what auditors pin and /log/key serves. */
  readonly verifierKey: string;
  /** Ed25519 signature (64 bytes) of raw bytes. */
  sign(message: Uint8Array): Uint8Array;
  /** A gateway record, ack or nack as COSE_Sign1 (EdDSA, kid = key name); the payload is validated (§4). */
  signRecord(payload: GatewayAnswer | GatewayRecord): Uint8Array;
}

export class GatewayKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GatewayKeyError";
  }
}

/** Loads <dataDir>/gateway.key, or generates it (mode 0600) when there is none. */
export function loadOrCreateGatewayKey(dataDir: string, name: string): GatewayKey {
  checkName(name);
  const path = join(dataDir, GATEWAY_KEY_FILE);
  if (!exists(path)) createKeyFile(dataDir, path);
  return gatewayKeyFromSeed(name, readKeyFile(path));
}

/** A gateway key from a known seed (tests, benchmarks, key ceremonies). */
export function gatewayKeyFromSeed(name: string, seed: Uint8Array): GatewayKey {
  checkName(name);
  if (seed.length !== SEED_SIZE) throw new GatewayKeyError(`Ed25519 seed must be ${SEED_SIZE} bytes, got ${seed.length}`);
  const privateKey: KeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  const headerBytes = protectedHeader(ALG_EDDSA, name);
  const sign = (message: Uint8Array): Uint8Array => new Uint8Array(signEd25519(null, message, privateKey));
  return {
    name,
    publicKey,
    verifierKey: verifierKeyString(name, publicKey),
    sign,
    signRecord(payload) {
      const payloadBytes = encodePayload(payload);
      return assembleSign1(headerBytes, payloadBytes, sign(sigStructure(headerBytes, payloadBytes)));
    },
  };
}

function checkName(name: string): void {
  if (!isId("key name", name)) throw new GatewayKeyError(`gateway key name ${JSON.stringify(name)} is not a key name (${KEY_NAME.source}): printable ASCII, no space, no "+", at most 64 bytes`);
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}

function readKeyFile(path: string): Uint8Array {
  const stat = lstatSync(path);
  if (!stat.isFile()) throw new GatewayKeyError(`${path} is not a regular file`);
  const mode = stat.mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new GatewayKeyError(`${path} has mode ${mode.toString(8).padStart(4, "0")}: a private key must be readable by its owner only (chmod 600 ${path})`);
  const seed = readFileSync(path);
  if (seed.length !== SEED_SIZE) throw new GatewayKeyError(`${path} is ${seed.length} bytes, want ${SEED_SIZE} (a raw Ed25519 seed)`);
  return new Uint8Array(seed);
}

// Written to a temporary file and linked into place, so a crash never leaves a half-written key
// and two processes starting at once cannot each create a different one.
function createKeyFile(dataDir: string, path: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "wx", 0o600);
  try {
    writeSync(fd, randomBytes(SEED_SIZE));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    unlinkSync(temporary);
  }
  const dir = openSync(dataDir, "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
