// Ingest: every message the broker delivers on the site's device topics. The
// unsigned `state` goes to the health board; signed uplinks go through rules
// 1–7 at once (spreading the signature work over the cycle), and what passes,
// or owes a nack, waits in the inbox for the next scan cycle.
import { parseTopic } from "../firmware/protocol/index.ts";
import type { HealthBoard } from "./health.ts";
import type { GatewayMetrics } from "./metrics.ts";
import type { RejectStore } from "./rejects.ts";
import type { CryptoPool } from "./crypto-pool.ts";
import type { DeviceLookup, Rejection, Verdict, Verifier, VerifiedMessage } from "./verify.ts";

/** What the scan cycle drains: messages that passed rules 1–7, and rule-7 rejections that owe a nack. */
export type Inbound =
  | { readonly kind: "message"; readonly message: VerifiedMessage }
  | { readonly kind: "nack"; readonly rejection: Rejection & { readonly answer: NonNullable<Rejection["answer"]> } };

const STATE_VALUES = new Set(["online", "offline"]);

export class Ingest {
  readonly #verifier: Verifier;
  readonly #devices: DeviceLookup;
  readonly #rejects: RejectStore;
  readonly #health: HealthBoard;
  readonly #metrics: GatewayMetrics;
  readonly #now: () => number;
  readonly #pool: CryptoPool | undefined;
  #inbox: Inbound[] = [];

  constructor(options: {
    verifier: Verifier;
    devices: DeviceLookup;
    rejects: RejectStore;
    health: HealthBoard;
    metrics: GatewayMetrics;
    /** Crypto threads; without, signatures are checked on the event loop. */
    pool?: CryptoPool;
    now?: () => number;
  }) {
    this.#pool = options.pool;
    this.#verifier = options.verifier;
    this.#devices = options.devices;
    this.#rejects = options.rejects;
    this.#health = options.health;
    this.#metrics = options.metrics;
    this.#now = options.now ?? Date.now;
  }

  /** The broker link's listener. */
  receive(topic: string, payload: Uint8Array): void {
    const receivedAt = this.#now();
    const parsed = parseTopic(topic);
    // The uplink filter +/state also matches the gateway's own _gateway/state.
    if (parsed?.kind === "gateway-state") return;
    if (parsed?.kind === "device" && parsed.channel === "state") {
      // Shown, never trusted (§8): only known values from enrolled devices.
      const value = Buffer.from(payload).toString("utf8");
      if (STATE_VALUES.has(value) && this.#devices.device(parsed.dev) !== undefined) this.#health.state(parsed.dev, value, receivedAt);
      return;
    }
    if (this.#pool === undefined) return this.#settle(this.#verifier.verify(topic, payload, receivedAt));
    const work = this.#verifier.precheck(topic, payload, receivedAt);
    if ("rejection" in work) return this.#settle(work);
    this.#pool.verify(work, (problem) => this.#settle(this.#verifier.finish(work, problem)));
  }

  #settle(verdict: Verdict): void {
    if (verdict.ok) {
      this.#push({ kind: "message", message: verdict.message });
      return;
    }
    const rejection = verdict.rejection;
    this.#rejects.add(rejection);
    if (rejection.answer !== undefined) this.#push({ kind: "nack", rejection: rejection as Rejection & { answer: NonNullable<Rejection["answer"]> } });
  }

  /** Everything that arrived since the last drain, in arrival order. */
  drain(): Inbound[] {
    const inbox = this.#inbox;
    this.#inbox = [];
    this.#metrics.pending.set(0);
    return inbox;
  }

  #push(inbound: Inbound): void {
    this.#inbox.push(inbound);
    this.#metrics.pending.inc();
  }
}
