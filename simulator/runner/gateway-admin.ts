// A real gateway as the simulator's target: devices are enrolled through its
// admin API (POST /admin/devices, the `signet device enroll` call) and
// provisioned with the public key it serves at /log/key, so their acks verify.
import type { Alg } from "../../firmware/protocol/index";
import type { GatewayTarget } from "../scenario/execute";
import type { BallotSpec } from "../scenario/spec";

export class GatewayAdminError extends Error {}

export interface GatewayKey {
  readonly kid: string;
  readonly pubHex: string;
}

/** Splits a verifier key string `<name>+<hex key ID>+<base64(0x01 ‖ public key)>` (PROTOCOL §7.3). */
export function parseVerifierKey(text: string): GatewayKey {
  // The key name has no "+" (PROTOCOL §1); the base64 after the key ID may.
  const match = /^([^+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
  const raw = match ? Buffer.from(match[3], "base64") : Buffer.alloc(0);
  if (!match || raw.length !== 33 || raw[0] !== 0x01) throw new GatewayAdminError(`the gateway's /log/key is not a verifier key string: ${JSON.stringify(text.slice(0, 120))}`);
  return { kid: match[1], pubHex: raw.subarray(1).toString("hex") };
}

async function call(base: string, token: string | undefined, method: "GET" | "POST", path: string, body?: unknown, type = "application/json"): Promise<{ status: number; text: string }> {
  let response: Response;
  try {
    response = await fetch(new URL(path, base), {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": type }) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  } catch (e) {
    throw new GatewayAdminError(`cannot reach the gateway at ${base}: ${String((e as Error).cause ?? (e as Error).message)}`);
  }
  return { status: response.status, text: await response.text() };
}

function refusal(what: string, r: { status: number; text: string }): GatewayAdminError {
  let reason = r.text;
  try {
    reason = (JSON.parse(r.text) as { error?: string }).error ?? r.text;
  } catch {
    // not JSON: keep the text
  }
  return new GatewayAdminError(`the gateway refused ${what} (${r.status}): ${reason}`);
}

export interface RealGatewayOptions {
  readonly url: string;
  readonly token: string;
  /** The site the devices are enrolled at (the gateway's site). */
  readonly site: string;
  /** The administrator key devices trust for ballots. */
  readonly adminKid: string;
  readonly adminPubHex: string;
  readonly adminAlg?: "ES256" | "EdDSA";
  /** How ballots reach the devices; by default the roll and then the signed ballot through the admin API. */
  publishBallot?(ballot: BallotSpec, start: number): void | Promise<void>;
  /** Signs a ballot with the administrator key (for the default publisher). */
  signBallot?(ballot: BallotSpec, start: number): Uint8Array;
  /** The voter ids of a ballot's roll (for the default publisher). */
  rollOf?(ballot: BallotSpec): readonly string[];
}

/** A roll file (PROTOCOL §4.6, §8): header, one voter per line with weight 1, bytewise sorted, LF after every line. */
export function rollFile(voters: readonly string[]): string {
  const sorted = [...new Set(voters)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `voter,weight\n${sorted.map((v) => `${v},1\n`).join("")}`;
}

/** Fetches the gateway's key and makes the executor's target out of its admin API. */
export async function realGatewayTarget(options: RealGatewayOptions): Promise<GatewayTarget & { readonly enrolled: string[] }> {
  const keyAnswer = await call(options.url, undefined, "GET", "/log/key");
  if (keyAnswer.status !== 200) throw refusal("/log/key", keyAnswer);
  const key = parseVerifierKey(keyAnswer.text);
  const enrolled: string[] = [];
  return {
    kid: key.kid,
    pubHex: key.pubHex,
    adminKid: options.adminKid,
    adminPubHex: options.adminPubHex,
    adminAlg: options.adminAlg,
    enrolled,
    async enroll(dev: string, alg: Alg, pub: Uint8Array, password: string) {
      const r = await call(options.url, options.token, "POST", "/admin/devices", { id: dev, site: options.site, alg: alg === -7 ? "ES256" : "EdDSA", pub: Buffer.from(pub).toString("hex"), password });
      if (r.status !== 201) throw refusal(`to enrol ${dev}`, r);
      enrolled.push(dev);
    },
    async publishBallot(ballot: BallotSpec, start: number) {
      if (options.publishBallot) return options.publishBallot(ballot, start);
      const roll = await call(options.url, options.token, "POST", `/admin/rolls/${encodeURIComponent(ballot.roll)}`, rollFile(options.rollOf?.(ballot) ?? []), "text/csv");
      if (roll.status === 404) throw new GatewayAdminError(`the gateway at ${options.url} has no roll admin API (POST /admin/rolls/ID); import roll ${ballot.roll} and publish ballot ${ballot.id} there before the run`);
      if (roll.status >= 300) throw refusal(`roll ${ballot.roll}`, roll);
      const cose = options.signBallot!(ballot, start);
      const r = await call(options.url, options.token, "POST", "/admin/ballots", { cose: Buffer.from(cose).toString("base64") });
      if (r.status >= 300) {
        const e = refusal(`ballot ${ballot.id}`, r);
        if (/not an administrator key/.test(e.message))
          throw new GatewayAdminError(`${e.message}; add the scenario's administrator key to the gateway's configuration (admins: [{ kid: ${options.adminKid}, alg: ${options.adminAlg ?? "EdDSA"}, pub: ${options.adminPubHex} }]) or pass --admin-key with one of its keys`);
        throw e;
      }
    },
  };
}
