// MQTT passwords at rest: a salted scrypt hash for the embedded broker, and
// Mosquitto's own PBKDF2-SHA512 form ($7$) so that the configuration generated
// for an external broker can carry the same credential without the password.
import { pbkdf2, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;
const pbkdf2Async = promisify(pbkdf2);

// scrypt cost: N = 2^14, r = 8 (~16 MiB, tens of ms): paid once per connection, not per message.
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

/** `scrypt$N$r$p$salt$hash` (base64 salt and hash); computed off the event loop. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, KEY_LENGTH, { ...SCRYPT, maxmem: 256 * SCRYPT.N * SCRYPT.r });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** Checks a password against a stored scrypt hash, off the event loop, in constant time. */
export async function checkPassword(stored: string, password: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") throw new Error(`stored password hash has an unknown form "${parts[0]}"`);
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], "base64");
  const expected = Buffer.from(parts[5], "base64");
  const hash = await scryptAsync(password, salt, expected.length, { N, r, p, maxmem: 256 * N * r });
  return timingSafeEqual(hash, expected);
}

// Mosquitto 2's default is 101 iterations; it reads the count from the line, so we can ask for more.
const MOSQUITTO_ITERATIONS = 20000;

/** A Mosquitto password-file hash (`$7$iterations$salt$hash`, PBKDF2-HMAC-SHA512, as mosquitto_passwd writes). */
export async function mosquittoPasswordHash(password: string): Promise<string> {
  const salt = randomBytes(12);
  const hash = await pbkdf2Async(password, salt, MOSQUITTO_ITERATIONS, 64, "sha512");
  return `$7$${MOSQUITTO_ITERATIONS}$${salt.toString("base64")}$${hash.toString("base64")}`;
}
