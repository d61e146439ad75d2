// The device's provisioned configuration: who it is, where it talks, whom it
// trusts. Stored as one small JSON value under `cfg` (well within NVS's 4000
// bytes: at most 4 administrator keys and 8 meters).
import { checkId, fromHex, isAlg, parseAlg, publicKeyProblem, toHex, AUTH_METHODS, type Alg, type AuthMethod } from "../protocol/index";
import { parseBrokerUrl } from "../hal/mqtt";
import type { Storage } from "../hal/storage";

export interface TrustedKey {
  readonly kid: string;
  readonly alg: Alg;
  readonly pub: Uint8Array;
}

export interface MeterConfig {
  readonly ch: number;
  /** Meter constant, impulses per kWh. */
  readonly imp: number;
}

export interface DeviceConfig {
  site: string;
  dev: string;
  wifiSsid: string;
  wifiPassword: string;
  broker: string;
  /** MQTT password; the user name is the device id (PROTOCOL §1). */
  mqttPassword: string;
  ntp: string;
  auth: AuthMethod;
  admins: TrustedKey[];
  gateway: TrustedKey | undefined;
  meters: MeterConfig[];
  intervalSeconds: number;
  receiptSeconds: number;
  stepSeconds: number;
  statusSeconds: number;
}

export const MAX_ADMINS = 4;
export const MAX_METERS = 8;
const CONFIG_KEY = "cfg";

export function defaultConfig(): DeviceConfig {
  return {
    site: "",
    dev: "",
    wifiSsid: "",
    wifiPassword: "",
    broker: "",
    mqttPassword: "",
    ntp: "pool.ntp.org",
    auth: "pin",
    admins: [],
    gateway: undefined,
    meters: [],
    intervalSeconds: 60,
    receiptSeconds: 30,
    stepSeconds: 30,
    statusSeconds: 300,
  };
}

/** What is still missing before the device can run; empty when provisioned. */
export function missing(config: DeviceConfig): string[] {
  const out: string[] = [];
  if (!config.site) out.push("site");
  if (!config.dev) out.push("id");
  if (!config.broker) out.push("broker");
  if (!config.gateway) out.push("gateway");
  return out;
}

interface StoredKey {
  kid: string;
  alg: number;
  pub: string;
}

export function loadConfig(storage: Storage): DeviceConfig {
  const stored = storage.get(CONFIG_KEY);
  const config = defaultConfig();
  if (typeof stored !== "string") return config;
  const raw = JSON.parse(stored) as Record<string, unknown>;
  const toKey = (k: StoredKey): TrustedKey => ({ kid: k.kid, alg: isAlg(k.alg) ? k.alg : parseAlg(k.alg), pub: fromHex(k.pub) });
  const target = config as unknown as Record<string, unknown>;
  for (const name of Object.keys(config)) {
    if (!(name in raw)) continue;
    if (name === "admins") config.admins = (raw.admins as StoredKey[]).map(toKey);
    else if (name === "gateway") config.gateway = raw.gateway ? toKey(raw.gateway as StoredKey) : undefined;
    else target[name] = raw[name];
  }
  return config;
}

export function saveConfig(storage: Storage, config: DeviceConfig): void {
  const fromKey = (k: TrustedKey): StoredKey => ({ kid: k.kid, alg: k.alg, pub: toHex(k.pub) });
  storage.set(
    CONFIG_KEY,
    JSON.stringify({ ...config, admins: config.admins.map(fromKey), gateway: config.gateway ? fromKey(config.gateway) : undefined }),
  );
}

/** A trusted public key from the console's words; throws naming what is wrong. */
export function parseTrustedKey(kid: string, alg: string, pubHex: string): TrustedKey {
  checkId("key name", kid);
  const a = parseAlg(alg);
  const pub = fromHex(pubHex, "public key");
  const problem = publicKeyProblem(a, pub);
  if (problem) throw new RangeError(problem);
  return { kid, alg: a, pub };
}

/** Applies one `set NAME VALUE…` of the provisioning protocol; throws naming what is wrong. */
export function setOption(config: DeviceConfig, name: string, args: readonly string[]): void {
  const one = (): string => {
    if (args.length !== 1) throw new RangeError(`set ${name} takes one value`);
    return args[0];
  };
  const seconds = (min: number, max: number): number => {
    const n = Number(one());
    if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${name} must be a whole number of seconds from ${min} to ${max}`);
    return n;
  };
  switch (name) {
    case "site":
      config.site = checkId("site", one());
      return;
    case "id":
      config.dev = checkId("device", one());
      return;
    case "wifi":
      if (args.length < 1 || args.length > 2) throw new RangeError("set wifi takes SSID [PASSWORD]");
      config.wifiSsid = args[0];
      config.wifiPassword = args[1] ?? "";
      return;
    case "broker":
      parseBrokerUrl(one());
      config.broker = args[0];
      return;
    case "password":
      config.mqttPassword = one();
      return;
    case "ntp":
      config.ntp = one();
      return;
    case "auth": {
      const auth = one();
      if (!(AUTH_METHODS as readonly string[]).includes(auth)) throw new RangeError(`auth must be one of ${AUTH_METHODS.join(", ")}`);
      config.auth = auth as AuthMethod;
      return;
    }
    case "gateway":
      if (args.length !== 2) throw new RangeError("set gateway takes KEY-NAME PUBLIC-KEY-HEX (Ed25519)");
      config.gateway = parseTrustedKey(args[0], "EdDSA", args[1]);
      return;
    case "admin": {
      if (args.length !== 3) throw new RangeError("set admin takes KEY-NAME ES256|EdDSA PUBLIC-KEY-HEX");
      const key = parseTrustedKey(args[0], args[1], args[2]);
      const others = config.admins.filter((k) => k.kid !== key.kid);
      if (others.length >= MAX_ADMINS) throw new RangeError(`at most ${MAX_ADMINS} administrator keys`);
      config.admins = [...others, key];
      return;
    }
    case "meter": {
      if (args.length !== 2) throw new RangeError("set meter takes CHANNEL IMPULSES-PER-KWH (0 removes the meter)");
      const ch = Number(args[0]);
      const imp = Number(args[1]);
      if (!Number.isInteger(ch) || ch < 0 || ch > 7) throw new RangeError("meter channel must be 0 … 7");
      if (!Number.isInteger(imp) || imp < 0 || imp > 1_000_000) throw new RangeError("impulses per kWh must be a whole number from 1 to 1000000 (0 removes)");
      const others = config.meters.filter((m) => m.ch !== ch);
      if (imp > 0 && others.length >= MAX_METERS) throw new RangeError(`at most ${MAX_METERS} meters`);
      config.meters = imp === 0 ? others : [...others, { ch, imp }].sort((a, b) => a.ch - b.ch);
      return;
    }
    case "interval":
      config.intervalSeconds = seconds(10, 3600);
      return;
    case "receipt":
      config.receiptSeconds = seconds(5, 600);
      return;
    case "step":
      config.stepSeconds = seconds(5, 600);
      return;
    case "status":
      config.statusSeconds = seconds(30, 86400);
      return;
    default:
      throw new RangeError(`unknown setting ${JSON.stringify(name)}`);
  }
}

/** The configuration as `name value` lines for `show` (passwords hidden). */
export function describeConfig(config: DeviceConfig): string[] {
  const key = (k: TrustedKey | undefined): string => (k ? `${k.kid} ${k.alg === -7 ? "ES256" : "EdDSA"} ${toHex(k.pub)}` : "-");
  return [
    `site ${config.site || "-"}`,
    `id ${config.dev || "-"}`,
    `wifi ${config.wifiSsid || "-"}${config.wifiPassword ? " (password set)" : ""}`,
    `broker ${config.broker || "-"}`,
    `password ${config.mqttPassword ? "(set)" : "-"}`,
    `ntp ${config.ntp}`,
    `auth ${config.auth}`,
    `gateway ${key(config.gateway)}`,
    ...config.admins.map((a) => `admin ${key(a)}`),
    ...config.meters.map((m) => `meter ${m.ch} ${m.imp}`),
    `interval ${config.intervalSeconds}`,
    `receipt ${config.receiptSeconds}`,
    `step ${config.stepSeconds}`,
    `status ${config.statusSeconds}`,
  ];
}

