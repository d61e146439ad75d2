// The log's `config` record (§4.6): the first entry of every log, and a new
// one whenever the administrator keys in the configuration change, so an
// auditor learns from the log alone which keys may sign ballots.
import type { Database } from "better-sqlite3";
import { equalBytes, fromHex, toHex, type AdminKey, type Alg } from "../firmware/protocol/index.ts";
import type { GatewayKey } from "./key.ts";
import type { LogWriter } from "./scan.ts";

interface StoredAdmin {
  kid: string;
  alg: Alg;
  pub: string;
}

function sameAdmins(a: readonly AdminKey[], b: readonly AdminKey[]): boolean {
  return a.length === b.length && a.every((k, i) => k.kid === b[i].kid && k.alg === b[i].alg && equalBytes(k.pub, b[i].pub));
}

export class ConfigRecords {
  readonly #db: Database;
  readonly #latest;
  readonly #insert;

  constructor(db: Database) {
    this.#db = db;
    db.exec("CREATE TABLE IF NOT EXISTS config_record (leaf INTEGER PRIMARY KEY, admins TEXT NOT NULL)");
    this.#latest = db.prepare<[], { leaf: number; admins: string }>("SELECT leaf, admins FROM config_record ORDER BY leaf DESC LIMIT 1");
    this.#insert = db.prepare("INSERT INTO config_record (leaf, admins) VALUES (?, ?)");
  }

  /** The administrator keys of the latest committed config record (ballots must be signed by one, §8). */
  latestAdmins(): AdminKey[] {
    const row = this.#latest.get();
    if (row === undefined) return [];
    return (JSON.parse(row.admins) as StoredAdmin[]).map((a) => ({ kid: a.kid, alg: a.alg, pub: fromHex(a.pub) }));
  }

  /**
   * Commits a config record when the log is empty or the administrator keys
   * differ from the latest one; returns its leaf, or null when nothing
   * changed. Runs at start, before the scan cycle, in its own transaction.
   */
  ensure(ledger: LogWriter, key: GatewayKey, admins: readonly AdminKey[], at: number): number | null {
    if (ledger.size > 0 && this.#latest.get() !== undefined && sameAdmins(this.latestAdmins(), admins)) return null;
    const cose = key.signRecord({ v: 1, t: "config", ts: Math.floor(at / 1000), origin: key.name, admins: [...admins] });
    const leaf = ledger.size;
    this.#db.transaction(() => {
      ledger.append([{ at, k: "config", cose }]);
      this.#insert.run(leaf, JSON.stringify(admins.map((a) => ({ kid: a.kid, alg: a.alg, pub: toHex(a.pub) }))));
      ledger.checkpoint();
    })();
    return leaf;
  }
}
