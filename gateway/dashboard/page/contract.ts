// The public read API the page draws from (gateway/http/api.ts and the log
// routes of PROTOCOL §7.4), as the page sees it: types of the answers and
// one fetch that turns an HTTP error into an Error naming the route. The
// gateway's own view types live beside SQLite and Node code, which a browser
// program cannot type-check, so the contract is restated here.
import type { Ballot, RejectReason, TallyRecord } from "../../../firmware/protocol/index.ts";

/** The committed tally (§4.6 `tally` record) with its leaf and the outcome in words. */
export interface BallotResult extends Pick<TallyRecord, "counts" | "turnout" | "eligible" | "quorum" | "outcome" | "size"> {
  /** The tally entry's leaf index. */
  readonly leaf: number;
  readonly explanation: string;
}

/** A ballot's latest revision (the §4.5 fields) with its state by gateway time. */
export interface BallotView extends Pick<Ballot, "id" | "rev" | "title" | "options" | "opens" | "closes" | "rule" | "quorum" | "roll"> {
  readonly status: "scheduled" | "open" | "closed";
  /** Counted weight so far. */
  readonly turnout: number;
  /** The roll's total weight. */
  readonly eligible: number;
  /** Votes counted so far (one per voter). */
  readonly votes: number;
  /** Only once the tally is committed. */
  readonly result: BallotResult | null;
}

export interface Energy {
  readonly wh: number;
  /** Part of it covered from the cumulative count across missed readings. */
  readonly estimated: boolean;
}

export interface EnergyBucket extends Energy {
  /** Unix seconds. */
  readonly start: number;
}

export interface EnergySeries {
  readonly site: string;
  readonly bucket: Bucket;
  readonly from: number;
  readonly to: number;
  readonly total: Energy;
  readonly series: readonly EnergyBucket[];
  readonly devices: readonly { readonly dev: string; readonly total: Energy; readonly series: readonly EnergyBucket[] }[];
}

export type Bucket = "15m" | "1h" | "1d";
export const BUCKET_SECONDS: { readonly [b in Bucket]: number } = { "15m": 900, "1h": 3600, "1d": 86400 };

export interface DeviceHealth {
  readonly id: string;
  readonly site: string;
  readonly alg: string | number;
  /** Enrolment: `active` or `revoked`. */
  readonly status: string;
  /** The device's retained state topic (`online`/`offline`), null if never seen. */
  readonly state?: string | null;
  /** Unix milliseconds or seconds, or null when never seen. */
  readonly lastSeen: number | null;
  readonly outbox: number | null;
  readonly fw: string | null;
  readonly up: number | null;
  readonly heap: number | null;
}

export interface Rejects {
  readonly counts: { readonly [reason in RejectReason]?: number };
  readonly recent: readonly { readonly reason: RejectReason; readonly topic: string; readonly at: number; readonly detail: string }[];
}

export interface Summary {
  readonly origin: string;
  readonly verifierKey: string;
  readonly size: number;
  readonly site: string;
  readonly devices: number;
  readonly ballotsOpen: number;
}

/** GET a JSON answer; a non-2xx answer throws with the gateway's {"error"} text. */
export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: "no-store", headers: { accept: "application/json" } });
  if (!response.ok) {
    let reason = response.statusText;
    try {
      reason = ((await response.json()) as { error?: string }).error ?? reason;
    } catch {
      // not JSON: keep the status text
    }
    throw new HttpError(response.status, `${path}: ${response.status} ${reason}`);
  }
  return (await response.json()) as T;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}
