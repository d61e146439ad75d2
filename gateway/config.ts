// The gateway's configuration: defaults, then a YAML/JSON file, then SIGNET_…
// environment variables, then command-line flags; validated once at start,
// with errors that name the field (and the variable or flag it came from).
// With nothing configured at all the gateway still runs: one site, embedded
// broker, local ledger, and an admin token created in the data directory.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { fromHex, isId, parseAlg, publicKeyLength, publicKeyProblem, type AdminKey } from "../firmware/protocol/index.ts";

function defaultCryptoThreads(): number {
  return Math.min(4, Math.max(0, availableParallelism() - 1));
}

const siteId = z.string().refine((s) => isId("site", s), "must be a site id ([a-z0-9][a-z0-9-]{1,31})");
const keyName = z.string().refine((s) => isId("key name", s), "must be a key name (printable ASCII, no space, no +, at most 64 bytes)");
const port = z.coerce.number().int().min(0).max(65535);
const host = z.string().min(1);

const adminKey = z
  .object({
    kid: keyName,
    alg: z.union([z.enum(["ES256", "EdDSA"]), z.literal(-7), z.literal(-8)]).transform((a) => parseAlg(a)),
    pub: z.string().regex(/^([0-9a-fA-F]{2})+$/, "must be the public key in hex"),
  })
  .transform((k, ctx): AdminKey => {
    const pub = fromHex(k.pub);
    const problem = pub.length === publicKeyLength(k.alg) ? publicKeyProblem(k.alg, pub) : `must be ${publicKeyLength(k.alg)} bytes, got ${pub.length}`;
    if (problem !== null) {
      ctx.addIssue({ code: "custom", path: ["pub"], message: problem });
      return z.NEVER;
    }
    return { kid: k.kid, alg: k.alg, pub };
  });

export const configSchema = z
  .object({
    site: siteId.default("site"),
    /** The gateway key's name: the log origin (§7.3). Default: signet.local/<site>. */
    keyName: keyName.optional(),
    http: z.object({ host: host.default("127.0.0.1"), port: port.default(8080) }).strict().default({ host: "127.0.0.1", port: 8080 }),
    /** The embedded broker; ignored when broker.url is set. */
    mqtt: z.object({ host: host.default("127.0.0.1"), port: port.default(1883) }).strict().default({ host: "127.0.0.1", port: 1883 }),
    broker: z
      .object({
        /** An external broker (mqtt://, mqtts://); unset: the embedded broker. */
        url: z.string().regex(/^mqtts?:\/\/./, "must be an mqtt:// or mqtts:// URL").optional(),
        /** The gateway's own MQTT password (user _signet-gateway); unset: generated in the data directory. */
        password: z.string().min(12, "must be at least 12 characters").optional(),
      })
      .strict()
      .default({}),
    /** PLC-style scan cycle period. */
    scanCycleMs: z.coerce.number().int().min(1).max(60_000).default(100),
    /** Threads that check device signatures and sign answers beside the event loop; 0: all on the event loop. Default: one per spare core. */
    cryptoThreads: z.coerce.number().int().min(0).max(64).default(defaultCryptoThreads()),
    /** Administrator keys: they go into the log's config record (§4.6). */
    admins: z.array(adminKey).max(64).default([]),
    /** Bearer tokens of the admin API; unset: one is created in the data directory. */
    adminTokens: z.array(z.string().min(16, "must be at least 16 characters")).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const kids = c.admins.map((a) => a.kid);
    kids.forEach((k, i) => {
      if (kids.indexOf(k) !== i) ctx.addIssue({ code: "custom", path: ["admins", i, "kid"], message: `"${k}" is listed twice` });
    });
  });

export type GatewaySettings = z.output<typeof configSchema>;

export interface GatewayConfig extends GatewaySettings {
  readonly keyName: string;
  readonly dataDir: string;
  /** Every accepted admin token. */
  readonly adminTokens: string[];
  /** Set when this start created the admin token (to print it once). */
  readonly createdAdminToken?: string;
  /** The gateway's MQTT credential (user _signet-gateway). */
  readonly brokerPassword: string;
}

/** Command-line flags, which win over everything else. */
export interface ConfigFlags {
  readonly config?: string;
  readonly data?: string;
  readonly http?: string | number;
  readonly mqtt?: string | number;
  readonly listen?: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Environment variables and the field each sets; list values are comma-separated. */
export const ENVIRONMENT: readonly { readonly name: string; readonly path: readonly string[]; readonly list?: boolean }[] = [
  { name: "SIGNET_SITE", path: ["site"] },
  { name: "SIGNET_KEY_NAME", path: ["keyName"] },
  { name: "SIGNET_HTTP_HOST", path: ["http", "host"] },
  { name: "SIGNET_HTTP_PORT", path: ["http", "port"] },
  { name: "SIGNET_MQTT_HOST", path: ["mqtt", "host"] },
  { name: "SIGNET_MQTT_PORT", path: ["mqtt", "port"] },
  { name: "SIGNET_BROKER_URL", path: ["broker", "url"] },
  { name: "SIGNET_BROKER_PASSWORD", path: ["broker", "password"] },
  { name: "SIGNET_SCAN_CYCLE_MS", path: ["scanCycleMs"] },
  { name: "SIGNET_CRYPTO_THREADS", path: ["cryptoThreads"] },
  { name: "SIGNET_ADMIN_TOKENS", path: ["adminTokens"], list: true },
];

type Raw = Record<string, unknown>;

function setPath(target: Raw, path: readonly (string | number)[], value: unknown): void {
  let at = target;
  for (const key of path.slice(0, -1)) {
    const next = at[key as string];
    if (typeof next !== "object" || next === null || Array.isArray(next)) at[key as string] = {};
    at = at[key as string] as Raw;
  }
  at[path[path.length - 1] as string] = value;
}

function readConfigFile(file: string): Raw {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read the configuration file ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both.
    parsed = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${file} is neither YAML nor JSON: ${(e as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw new ConfigError(`${file}: the configuration must be a map of settings`);
  return parsed as Raw;
}

/** Builds and validates the settings from file, environment and flags (no file system writes). */
export function resolveSettings(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): GatewaySettings {
  const raw: Raw = flags.config ? readConfigFile(flags.config) : {};
  const sources = new Map<string, string>();
  for (const variable of ENVIRONMENT) {
    const value = env[variable.name];
    if (value === undefined || value === "") continue;
    setPath(raw, variable.path, variable.list ? value.split(",").map((v) => v.trim()).filter((v) => v !== "") : value);
    sources.set(variable.path.join("."), variable.name);
  }
  const listen = flags.listen ?? env.SIGNET_LISTEN;
  if (listen !== undefined) {
    const from = flags.listen !== undefined ? "--listen" : "SIGNET_LISTEN";
    for (const path of [["http", "host"], ["mqtt", "host"]]) {
      setPath(raw, path, listen);
      sources.set(path.join("."), from);
    }
  }
  for (const [flag, path] of [["http", ["http", "port"]], ["mqtt", ["mqtt", "port"]]] as const) {
    if (flags[flag] === undefined) continue;
    setPath(raw, path, flags[flag]);
    sources.set(path.join("."), `--${flag}`);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const field = issue.path.join(".") || "(top level)";
      const source = sources.get(field) ?? (flags.config ? flags.config : "defaults");
      return `${field} (from ${source}): ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return result.data;
}

/** Reads a secret from the data directory, or creates it (mode 0600); `created` says which. */
function secretFile(dataDir: string, name: string): { value: string; created: boolean } {
  const file = join(dataDir, name);
  if (existsSync(file)) {
    const value = readFileSync(file, "utf8").trim();
    if (value.length === 0) throw new ConfigError(`${file} is empty; delete it to have a new one created`);
    return { value, created: false };
  }
  const value = randomBytes(32).toString("base64url");
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return { value, created: true };
}

/** Resolves the configuration and prepares the data directory (created 0700, secrets 0600). */
export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const settings = resolveSettings(flags, env);
  const dataDir = resolve(flags.data ?? env.SIGNET_DATA ?? "./signet-data");
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new ConfigError(`cannot create the data directory ${dataDir}: ${(e as Error).message}`);
  }
  let createdAdminToken: string | undefined;
  const adminTokens = [...settings.adminTokens];
  if (adminTokens.length === 0) {
    const token = secretFile(dataDir, "admin-token");
    adminTokens.push(token.value);
    if (token.created) createdAdminToken = token.value;
  }
  const brokerPassword = settings.broker.password ?? secretFile(dataDir, "broker-password").value;
  return {
    ...settings,
    keyName: settings.keyName ?? `signet.local/${settings.site}`,
    dataDir,
    adminTokens,
    createdAdminToken,
    brokerPassword,
  };
}
