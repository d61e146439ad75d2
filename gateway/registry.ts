// The device registry: who may connect and whose signatures count. Every
// change is a `device` record (§4.6) signed by the gateway key and committed
// to the log by the scan cycle, so the log carries the keys that verify it;
// the table and the in-memory view change in that same transaction.
import type { Database } from "better-sqlite3";
import { algName, isId, parseAlg, publicKeyProblem, toHex, type Alg, type DeviceRecord } from "../firmware/protocol/index.ts";
import { hashPassword, mosquittoPasswordHash } from "./broker/credentials.ts";
import type { DeviceAccount } from "./broker/embedded.ts";
import type { GatewayKey } from "./key.ts";
import type { EnrolledDevice } from "./verify.ts";

/** A refused registry request: `status` is the HTTP status, `field` the input at fault. */
export class RegistryError extends Error {
  readonly status: 400 | 404 | 409;
  readonly field?: string;
  constructor(status: 400 | 404 | 409, message: string, field?: string) {
    super(message);
    this.name = "RegistryError";
    this.status = status;
    this.field = field;
  }
}

export interface Enrolment {
  readonly id: string;
  readonly site: string;
  readonly alg: Alg | "ES256" | "EdDSA";
  /** Public key bytes: 65-byte uncompressed P-256 point or 32-byte Ed25519 key. */
  readonly pub: Uint8Array;
  /** MQTT password. */
  readonly password: string;
}

/** A device as the admin API lists it. */
export interface DeviceView {
  readonly id: string;
  readonly site: string;
  readonly alg: "ES256" | "EdDSA";
  readonly pub: string;
  readonly status: "active" | "revoked";
  /** Leaf of the device record that put it in this state. */
  readonly leaf: number;
  /** When that record was committed, Unix milliseconds. */
  readonly changedAt: number;
}

interface Row {
  rowid: number;
  id: string;
  site: string;
  alg: Alg;
  pub: Buffer;
  status: "active" | "revoked";
  password_hash: string;
  mosquitto_hash: string;
  leaf: number;
  changed_at: number;
}

/** Commits a gateway record in the next scan cycle; `apply` runs in its transaction (ScanCycle.commitRecord). */
export type RecordCommitter = (kind: "device", cose: Uint8Array, apply: (leaf: number, at: number) => void) => Promise<{ leaf: number; size: number }>;

export const MIN_PASSWORD_LENGTH = 12;

/** Active devices and their Mosquitto hashes, read from a gateway's database (the gateway may be running: WAL). */
export function readMosquittoAccounts(db: Database): { id: string; site: string; hash: string }[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'device'").get();
  if (exists === undefined) return [];
  return db.prepare<[], { id: string; site: string; hash: string }>("SELECT id, site, mosquitto_hash AS hash FROM device WHERE status = 'active' ORDER BY id").all();
}

export class Registry {
  readonly #site: string;
  readonly #key: GatewayKey;
  readonly #reservedNames: () => readonly string[];
  readonly #devices = new Map<string, Row>();
  readonly #pending = new Set<string>();
  readonly #insert;
  readonly #revoke;
  #commit: RecordCommitter | undefined;
  readonly #listeners: ((device: EnrolledDevice) => void)[] = [];

  /**
   * `reservedNames` lists the key names in use (the gateway's, the
   * administrators'): a device id may not equal one (§8).
   */
  constructor(db: Database, options: { site: string; key: GatewayKey; reservedNames: () => readonly string[] }) {
    this.#site = options.site;
    this.#key = options.key;
    this.#reservedNames = options.reservedNames;
    db.exec(`
      CREATE TABLE IF NOT EXISTS device (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        site TEXT NOT NULL,
        alg INTEGER NOT NULL,
        pub BLOB NOT NULL,
        status TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        mosquitto_hash TEXT NOT NULL,
        leaf INTEGER NOT NULL,
        changed_at INTEGER NOT NULL
      )
    `);
    this.#insert = db.prepare<[string, string, number, Buffer, string, string, number, number], { rowid: number }>(
      "INSERT INTO device (id, site, alg, pub, status, password_hash, mosquitto_hash, leaf, changed_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?) RETURNING rowid",
    );
    this.#revoke = db.prepare("UPDATE device SET status = 'revoked', leaf = ?, changed_at = ? WHERE rowid = ?");
    for (const row of db.prepare<[], Row>("SELECT rowid, * FROM device").all()) this.#devices.set(row.id, { ...row, pub: row.pub });
  }

  /** Connects the registry to the scan cycle that commits its records. */
  attach(commit: RecordCommitter): void {
    this.#commit = commit;
  }

  /** Called after each committed change (the verifier drops its cached key, the broker the session). */
  onChange(listener: (device: EnrolledDevice) => void): void {
    this.#listeners.push(listener);
  }

  device(id: string): EnrolledDevice | undefined {
    return this.#devices.get(id);
  }

  account(id: string): DeviceAccount | undefined {
    const row = this.#devices.get(id);
    return row === undefined ? undefined : { site: row.site, status: row.status, passwordHash: row.password_hash };
  }

  /** Active devices with their Mosquitto password hashes (for an external broker's configuration). */
  mosquittoAccounts(): { id: string; site: string; hash: string }[] {
    return [...this.#devices.values()].filter((d) => d.status === "active").map((d) => ({ id: d.id, site: d.site, hash: d.mosquitto_hash }));
  }

  list(): DeviceView[] {
    return [...this.#devices.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(view);
  }

  async enroll(request: Enrolment): Promise<DeviceView> {
    const { id, site, pub, password } = request;
    if (!isId("device", id)) throw new RegistryError(400, `"${id}" is not a device id ([a-z0-9][a-z0-9-]{1,31})`, "id");
    if (!isId("site", site)) throw new RegistryError(400, `"${site}" is not a site id ([a-z0-9][a-z0-9-]{1,31})`, "site");
    if (site !== this.#site) throw new RegistryError(400, `this gateway serves site "${this.#site}", not "${site}"`, "site");
    if (this.#reservedNames().includes(id)) throw new RegistryError(400, `"${id}" is a key name in this log; a device id may not equal one`, "id");
    let alg: Alg;
    try {
      alg = typeof request.alg === "number" ? request.alg : parseAlg(request.alg);
    } catch (e) {
      throw new RegistryError(400, (e as Error).message, "alg");
    }
    const problem = publicKeyProblem(alg, pub);
    if (problem !== null) throw new RegistryError(400, problem, "pub");
    if (password.length < MIN_PASSWORD_LENGTH) throw new RegistryError(400, `password must be at least ${MIN_PASSWORD_LENGTH} characters`, "password");
    // Ids are for life (§8): a replaced board or a revoked device gets a new id, so seq numbers never restart under one id.
    if (this.#devices.has(id) || this.#pending.has(id)) throw new RegistryError(409, `device "${id}" is already enrolled; enrol a replacement under a new id`, "id");
    this.#pending.add(id);
    try {
      const [passwordHash, mosquittoHash] = await Promise.all([hashPassword(password), mosquittoPasswordHash(password)]);
      const record = this.#record({ dev: id, site, alg, pub, status: "active" });
      let row: Row | undefined;
      await this.#committer()("device", record, (leaf, at) => {
        const { rowid } = this.#insert.get(id, site, alg, Buffer.from(pub), passwordHash, mosquittoHash, leaf, at)!;
        row = { rowid, id, site, alg, pub: Buffer.from(pub), status: "active", password_hash: passwordHash, mosquitto_hash: mosquittoHash, leaf, changed_at: at };
      });
      // The running gateway learns of the device only once its record is committed (a failed cycle rolls the row back).
      this.#devices.set(id, row!);
    } finally {
      this.#pending.delete(id);
    }
    return this.#changed(id);
  }

  async revoke(id: string): Promise<DeviceView> {
    const row = this.#devices.get(id);
    if (row === undefined) throw new RegistryError(404, `device "${id}" is not enrolled`, "id");
    if (row.status === "revoked") return view(row);
    if (this.#pending.has(id)) throw new RegistryError(409, `device "${id}" has a change in progress`, "id");
    this.#pending.add(id);
    try {
      const record = this.#record({ dev: id, site: row.site, alg: row.alg, pub: row.pub, status: "revoked" });
      let revoked: Row | undefined;
      await this.#committer()("device", record, (leaf, at) => {
        this.#revoke.run(leaf, at, row.rowid);
        revoked = { ...row, status: "revoked", leaf, changed_at: at };
      });
      this.#devices.set(id, revoked!);
    } finally {
      this.#pending.delete(id);
    }
    return this.#changed(id);
  }

  #record(fields: Pick<DeviceRecord, "dev" | "site" | "alg" | "pub" | "status">): Uint8Array {
    return this.#key.signRecord({ v: 1, t: "device", ts: Math.floor(Date.now() / 1000), ...fields, pub: new Uint8Array(fields.pub) });
  }

  #committer(): RecordCommitter {
    if (this.#commit === undefined) throw new Error("the registry is not attached to a scan cycle");
    return this.#commit;
  }

  #changed(id: string): DeviceView {
    const row = this.#devices.get(id)!;
    for (const listener of this.#listeners) listener(row);
    return view(row);
  }
}

function view(row: Row): DeviceView {
  return { id: row.id, site: row.site, alg: algName(row.alg), pub: toHex(row.pub), status: row.status, leaf: row.leaf, changedAt: row.changed_at };
}
