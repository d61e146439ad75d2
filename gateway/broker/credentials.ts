// MQTT passwords at rest: a salted scrypt hash for the embedded broker, and
// Mosquitto's own PBKDF2-SHA512 form ($7$) so that the configuration generated
// for an external broker can carry the same credential without the password.
import { pbkdf2Sync, randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto";

// scrypt cost: N = 2^14, r = 8 (~16 MiB, tens of ms): paid once per connection, not per message.
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

/** `scrypt$N$r$p$salt$hash` (base64 salt and hash). */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEY_LENGTH, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** Checks a password against a stored scrypt hash, off the event loop, in constant time. */
export function checkPassword(stored: string, password: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return Promise.reject(new Error(`stored password hash has an unknown form "${parts[0]}"`));
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], "base64");
  const expected = Buffer.from(parts[5], "base64");
  return new Promise((resolve, reject) => {
    scrypt(password, salt, expected.length, { N, r, p, maxmem: 256 * N * r }, (err, hash) => {
      if (err) reject(err);
      else resolve(timingSafeEqual(hash, expected));
    });
  });
}

// Mosquitto 2's default is 101 iterations; it reads the count from the line, so we can ask for more.
const MOSQUITTO_ITERATIONS = 20000;

/** A Mosquitto password-file hash (`$7$iterations$salt$hash`, PBKDF2-HMAC-SHA512, as mosquitto_passwd writes). */
export function mosquittoPasswordHash(password: string): string {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(password, salt, MOSQUITTO_ITERATIONS, 64, "sha512");
  return `$7$${MOSQUITTO_ITERATIONS}$${salt.toString("base64")}$${hash.toString("base64")}`;
}
