// Signing key files for administrators (and for tests and demos): JSON with
// the algorithm, the key name, and the 32-byte private key, mode 0600.
import { randomBytes } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { algName, fromHex, isId, parseAlg, publicKeyOf, toHex, type Alg } from "../firmware/protocol/index.ts";
import { CliError } from "./errors.ts";

export interface SigningKey {
  readonly alg: Alg;
  /** The key name (PROTOCOL §1): the `kid` of what it signs. */
  readonly kid: string;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function generateKey(alg: Alg, kid: string): SigningKey {
  if (!isId("key name", kid)) throw new CliError(`key name ${JSON.stringify(kid)} must be printable ASCII without space or '+', at most 64 bytes`);
  const privateKey = new Uint8Array(randomBytes(32));
  return { alg, kid, privateKey, publicKey: publicKeyOf(alg, privateKey) };
}

export function writeKeyFile(path: string, key: SigningKey): void {
  const json = { alg: algName(key.alg), kid: key.kid, private: toHex(key.privateKey), public: toHex(key.publicKey) };
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600, flag: "wx" });
}

export function readKeyFile(path: string): SigningKey {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new CliError(`cannot read key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if ((statSync(path).mode & 0o077) !== 0) throw new CliError(`key file ${path} is readable by others; run chmod 600 ${path}`);
  let json: { alg?: unknown; kid?: unknown; private?: unknown };
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`key file ${path} is not JSON (expected {"alg", "kid", "private"})`);
  }
  let alg: Alg;
  try {
    alg = parseAlg(String(json.alg));
  } catch (e) {
    throw new CliError(`key file ${path}: alg: ${(e as Error).message}`);
  }
  if (!isId("key name", json.kid)) throw new CliError(`key file ${path}: kid must be a key name (printable ASCII, no space or '+')`);
  if (typeof json.private !== "string" || !/^[0-9a-f]{64}$/i.test(json.private)) throw new CliError(`key file ${path}: private must be 32 bytes of hex`);
  const privateKey = fromHex(json.private);
  return { alg, kid: json.kid, privateKey, publicKey: publicKeyOf(alg, privateKey) };
}
