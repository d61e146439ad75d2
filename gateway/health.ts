// Device health from what devices say about themselves: signed `status`
// messages (rules 1–7 passed; never committed, §6) and the unsigned retained
// `state` topic (online/offline, only ever shown, §8). Kept in memory, written
// to SQLite in the scan cycle's transaction so a restart still shows it.
import type { Database } from "better-sqlite3";
import type { Status } from "../firmware/protocol/index.ts";

export interface DeviceHealth {
  readonly dev: string;
  /** Last status: firmware, uptime, outbox depth, free heap; with its seq and receive time. */
  readonly status?: { readonly fw: string; readonly up: number; readonly outbox: number; readonly heap?: number; readonly seq: number; readonly at: number };
  /** The device's retained state topic, as last seen, with its receive time. */
  readonly state?: { readonly value: string; readonly at: number };
}

export class HealthBoard {
  readonly #health = new Map<string, DeviceHealth>();
  readonly #dirty = new Set<string>();
  readonly #upsert;

  constructor(db: Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS device_health (dev TEXT PRIMARY KEY, health TEXT NOT NULL) WITHOUT ROWID`);
    this.#upsert = db.prepare("INSERT INTO device_health (dev, health) VALUES (?, ?) ON CONFLICT (dev) DO UPDATE SET health = excluded.health");
    for (const row of db.prepare<[], { dev: string; health: string }>("SELECT dev, health FROM device_health").all())
      this.#health.set(row.dev, JSON.parse(row.health) as DeviceHealth);
  }

  /** A verified status; an older seq than the one shown does not replace it (MQTT may reorder). */
  status(dev: string, status: Status, at: number): void {
    const current = this.#health.get(dev);
    if (current?.status !== undefined && current.status.seq >= status.seq) return;
    const { fw, up, outbox, heap, seq } = status;
    this.#set({ ...current, dev, status: { fw, up, outbox, heap, seq, at } });
  }

  state(dev: string, value: string, at: number): void {
    this.#set({ ...this.#health.get(dev), dev, state: { value, at } });
  }

  get(dev: string): DeviceHealth | undefined {
    return this.#health.get(dev);
  }

  all(): DeviceHealth[] {
    return [...this.#health.values()];
  }

  /** Writes what changed since the last flush; call inside a transaction. */
  flush(): void {
    for (const dev of this.#dirty) this.#upsert.run(dev, JSON.stringify(this.#health.get(dev)));
    this.#dirty.clear();
  }

  #set(health: DeviceHealth): void {
    this.#health.set(health.dev, health);
    this.#dirty.add(health.dev);
  }
}
