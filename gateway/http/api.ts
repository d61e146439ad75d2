// The public read API the dashboard uses (no token; nothing secret in it):
// ballots with live turnout and results after close, energy per bucket, device
// health, rejects by reason, a summary for the page header; beside it the
// OpenAPI document and Prometheus /metrics.
import type { FastifyPluginAsync } from "fastify";
import type { BallotBook } from "../ballots/book.ts";
import type { GatewayKey } from "../key.ts";
import type { HealthBoard } from "../health.ts";
import type { Ledger } from "../ledger/ledger.ts";
import type { GatewayMetrics } from "../metrics.ts";
import { BUCKETS, MAX_BUCKETS, type BucketName, type MeterBook } from "../meters/book.ts";
import type { Registry } from "../registry.ts";
import type { RejectStore } from "../rejects.ts";
import { openApiDocument } from "./openapi.ts";

export interface ApiOptions {
  readonly site: string;
  readonly key: GatewayKey;
  readonly ledger: Ledger;
  readonly ballots: BallotBook;
  readonly meters: MeterBook;
  readonly registry: Registry;
  readonly health: HealthBoard;
  readonly rejects: RejectStore;
  readonly metrics: GatewayMetrics;
  readonly now?: () => number;
}

export interface DeviceHealthView {
  readonly id: string;
  readonly site: string;
  readonly alg: "ES256" | "EdDSA";
  readonly status: "active" | "revoked";
  /** The device's retained state topic (`online`/`offline`), or null if never seen. */
  readonly state: string | null;
  /** Last time the gateway heard from the device (status, state or a committed reading), Unix ms; null if never. */
  readonly lastSeen: number | null;
  readonly outbox: number | null;
  readonly fw: string | null;
  readonly up: number | null;
  readonly heap: number | null;
}

/** Devices with what they last said about themselves; no keys' secrets, no password hashes. */
export function deviceViews(o: { registry: Registry; health: HealthBoard; meters: MeterBook }): DeviceHealthView[] {
  return o.registry.list().map((d) => {
    const h = o.health.get(d.id);
    const seen = [h?.status?.at, h?.state?.at, o.meters.lastReadingAt(d.id)].filter((t): t is number => t !== undefined);
    return {
      id: d.id,
      site: d.site,
      alg: d.alg,
      status: d.status,
      state: h?.state?.value ?? null,
      lastSeen: seen.length > 0 ? Math.max(...seen) : null,
      outbox: h?.status?.outbox ?? null,
      fw: h?.status?.fw ?? null,
      up: h?.status?.up ?? null,
      heap: h?.status?.heap ?? null,
    };
  });
}

const UNIX = "^(0|[1-9][0-9]{0,11})$";
const energyQuery = {
  type: "object",
  additionalProperties: false,
  required: ["site"],
  properties: {
    site: { type: "string", pattern: "^[a-z0-9][a-z0-9-]{1,31}$" },
    bucket: { type: "string", enum: Object.keys(BUCKETS) },
    from: { type: "string", pattern: UNIX },
    to: { type: "string", pattern: UNIX },
    dev: { type: "string", pattern: "^[a-z0-9][a-z0-9-]{1,31}$" },
  },
} as const;

export function apiRoutes(o: ApiOptions): FastifyPluginAsync {
  const now = o.now ?? Date.now;
  return async (app) => {
    app.get("/api/ballots", async () => ({ ballots: o.ballots.ids().map((id) => o.ballots.view(id)!) }));

    app.get<{ Params: { id: string } }>(
      "/api/ballots/:id",
      { schema: { params: { type: "object", required: ["id"], properties: { id: { type: "string", pattern: "^[a-z0-9][a-z0-9._-]{0,63}$" } } } } },
      async (request, reply) => o.ballots.view(request.params.id) ?? reply.code(404).send({ error: `id: no ballot "${request.params.id}"` }),
    );

    app.get<{ Querystring: { site: string; bucket?: BucketName; from?: string; to?: string; dev?: string } }>(
      "/api/energy",
      { schema: { querystring: energyQuery } },
      async (request, reply) => {
        const q = request.query;
        if (q.site !== o.site) return reply.code(404).send({ error: `site: this gateway serves site "${o.site}", not "${q.site}"` });
        const to = q.to !== undefined ? Number(q.to) : Math.ceil(now() / 1000);
        const from = q.from !== undefined ? Number(q.from) : to - 86400;
        if (from >= to) return reply.code(400).send({ error: `from: must be before to (${from} ≥ ${to})` });
        const bucket = q.bucket ?? "1h";
        if ((to - from) / BUCKETS[bucket] > MAX_BUCKETS)
          return reply.code(400).send({ error: `bucket: ${bucket} buckets over ${to - from} s are more than ${MAX_BUCKETS}; use a larger bucket or a shorter range` });
        return o.meters.energy({ bucket, from, to, dev: q.dev });
      },
    );

    app.get("/api/devices", async () => ({ devices: deviceViews(o) }));

    app.get("/api/rejects", async () => ({
      counts: o.rejects.counts(),
      recent: o.rejects.recent(100).map((r) => ({ reason: r.reason, topic: r.topic, at: r.at, detail: r.detail })),
    }));

    app.get("/api/summary", async () => ({
      origin: o.key.name,
      verifierKey: o.key.verifierKey,
      size: o.ledger.latest()?.size ?? 0,
      site: o.site,
      devices: o.registry.list().filter((d) => d.status === "active").length,
      ballotsOpen: o.ballots.ids().filter((id) => o.ballots.status(id) === "open").length,
    }));

    app.get("/openapi.json", async () => openApiDocument());

    app.get("/metrics", async (_request, reply) => {
      reply.header("content-type", o.metrics.registry.contentType);
      return o.metrics.registry.metrics();
    });
  };
}
