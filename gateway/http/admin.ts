// The admin API (fastify plugin, under /admin): devices (enrol, revoke,
// list), reject counts. Every request carries `Authorization: Bearer <token>`,
// compared in constant time against each configured token; bodies are
// validated by schema, and errors name the field.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { fromHex } from "../../firmware/protocol/index.ts";
import type { HealthBoard } from "../health.ts";
import type { RejectStore } from "../rejects.ts";
import { RegistryError, MIN_PASSWORD_LENGTH, type Registry } from "../registry.ts";

export interface AdminOptions {
  readonly tokens: readonly string[];
  readonly registry: Registry;
  readonly health: HealthBoard;
  readonly rejects: RejectStore;
  /** More admin routes (ballots, rolls, …), mounted under /admin behind the same token check. */
  readonly routes?: readonly FastifyPluginAsync[];
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** True when `given` equals one of `tokens`; every token is compared, in constant time (hashes of equal length). */
export function tokenMatches(given: string, tokens: readonly Buffer[]): boolean {
  const g = digest(given);
  let match = false;
  for (const t of tokens) match = timingSafeEqual(g, t) || match;
  return match;
}

const enrolBody = {
  type: "object",
  required: ["id", "site", "alg", "pub", "password"],
  additionalProperties: false,
  properties: {
    id: { type: "string", pattern: "^[a-z0-9][a-z0-9-]{1,31}$" },
    site: { type: "string", pattern: "^[a-z0-9][a-z0-9-]{1,31}$" },
    alg: { type: "string", enum: ["ES256", "EdDSA"] },
    pub: { type: "string", pattern: "^([0-9a-fA-F]{64}|[0-9a-fA-F]{130})$" },
    password: { type: "string", minLength: MIN_PASSWORD_LENGTH, maxLength: 256 },
  },
} as const;

const deviceParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", pattern: "^[a-z0-9][a-z0-9-]{1,31}$" } },
} as const;

function refuse(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof RegistryError) return reply.code(e.status).send({ error: e.field ? `${e.field}: ${e.message}` : e.message });
  throw e;
}

export const adminRoutes: FastifyPluginAsync<AdminOptions> = async (app, options) => {
  const tokens = options.tokens.map(digest);
  if (tokens.length === 0) throw new Error("the admin API needs at least one token");

  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? "";
    const match = /^Bearer (\S+)$/.exec(header);
    if (match === null) return reply.code(401).header("www-authenticate", "Bearer").send({ error: "authorization: a bearer token is required" });
    if (!tokenMatches(match[1], tokens)) return reply.code(403).send({ error: "authorization: the token is not an admin token" });
  });

  app.get("/devices", async () => ({
    devices: options.registry.list().map((d) => ({ ...d, health: options.health.get(d.id) ?? null })),
  }));

  app.post<{ Body: { id: string; site: string; alg: "ES256" | "EdDSA"; pub: string; password: string } }>(
    "/devices",
    { schema: { body: enrolBody } },
    async (request, reply) => {
      const { id, site, alg, pub, password } = request.body;
      try {
        const device = await options.registry.enroll({ id, site, alg, pub: fromHex(pub, "pub"), password });
        return reply.code(201).send({ device });
      } catch (e) {
        return refuse(reply, e);
      }
    },
  );

  app.post<{ Params: { id: string } }>("/devices/:id/revoke", { schema: { params: deviceParams } }, async (request, reply) => {
    try {
      return { device: await options.registry.revoke(request.params.id) };
    } catch (e) {
      return refuse(reply, e);
    }
  });

  for (const routes of options.routes ?? []) await app.register(routes);

  app.get("/rejects", async () => ({ counts: options.rejects.counts(), recent: options.rejects.recent(100).map((r) => ({ ...r, head: Buffer.from(r.head).toString("hex") })) }));
};
