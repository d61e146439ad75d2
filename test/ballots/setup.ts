// A gateway with an administrator key in its configuration, and the calls an
// administrator makes: import a roll, sign and publish a ballot.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { algName, publicKeyOf, signPayload, toHex, type Alg, type Ballot } from "../../firmware/protocol/index.ts";
import { loadConfig } from "../../gateway/config.ts";
import { startGateway, type Gateway } from "../../gateway/gateway.ts";

export interface AdminKeyPair {
  readonly kid: string;
  readonly alg: Alg;
  readonly privateKey: Uint8Array;
  readonly pub: Uint8Array;
}

export function adminKey(kid = "clerk.example.org/agm", alg: Alg = -8, seed?: Uint8Array): AdminKeyPair {
  const privateKey = seed ?? new Uint8Array(randomBytes(32));
  return { kid, alg, privateKey, pub: publicKeyOf(alg, privateKey) };
}

export type TestGateway = Gateway & { dataDir: string; token: string; restart(): Promise<TestGateway> };

/** A gateway on 127.0.0.1 (port 0 unless `ports` are given) in `dataDir` (a new temporary one by default), with `admins` in its config. */
export async function adminGateway(admins: readonly AdminKeyPair[], options: { dataDir?: string; site?: string; ports?: { http: number; mqtt: number } } = {}): Promise<TestGateway> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "signet-ballots-"));
  const file = join(dataDir, "gateway.json");
  writeFileSync(
    file,
    JSON.stringify({
      site: options.site ?? "test-site",
      scanCycleMs: 20,
      cryptoThreads: 0,
      admins: admins.map((a) => ({ kid: a.kid, alg: algName(a.alg), pub: toHex(a.pub) })),
    }),
  );
  const config = loadConfig({ config: file, data: dataDir, http: options.ports?.http ?? 0, mqtt: options.ports?.mqtt ?? 0, listen: "127.0.0.1" }, {});
  const gateway = await startGateway(config);
  return Object.assign(gateway, {
    dataDir,
    token: config.adminTokens[0],
    /** Stops and starts again on the same ports and data directory. */
    async restart(): Promise<TestGateway> {
      await gateway.stop();
      const ports = { http: Number(new URL(gateway.httpUrl).port), mqtt: Number(new URL(gateway.mqttUrl).port) };
      return adminGateway(admins, { dataDir, site: options.site, ports });
    },
  });
}

export function removeDataDir(gateway: { dataDir: string }): void {
  rmSync(gateway.dataDir, { recursive: true, force: true });
}

export async function adminCall(gateway: { httpUrl: string; token: string }, method: "GET" | "POST", path: string, body?: unknown, contentType = "application/json"): Promise<{ status: number; json: any }> {
  const response = await fetch(`${gateway.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${gateway.token}`, ...(body === undefined ? {} : { "content-type": contentType }) },
    body: body === undefined ? undefined : typeof body === "string" || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

export async function importRoll(gateway: { httpUrl: string; token: string }, id: string, csv: string): Promise<{ status: number; json: any }> {
  return adminCall(gateway, "POST", `/admin/rolls/${id}`, csv, "text/csv");
}

export type BallotFields = Omit<Ballot, "v" | "t" | "ts">;

export function signBallot(key: AdminKeyPair, fields: BallotFields, ts = Math.floor(Date.now() / 1000)): Uint8Array {
  return signPayload(key.alg, key.kid, { v: 1, t: "ballot", ts, ...fields }, key.privateKey);
}

export async function publishBallot(gateway: { httpUrl: string; token: string }, cose: Uint8Array): Promise<{ status: number; json: any }> {
  return adminCall(gateway, "POST", "/admin/ballots", { cose: Buffer.from(cose).toString("base64") });
}

export async function api(gateway: { httpUrl: string }, path: string): Promise<any> {
  const response = await fetch(`${gateway.httpUrl}${path}`);
  return response.json();
}

/** Polls `probe` every 50 ms until it returns something other than undefined (or `ms` pass). */
export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, ms = 20_000, what = "condition"): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
