// Admin routes for ballots, rolls, device health and rejects by reason
// (mounted under /admin behind the token check of admin.ts). Every change is
// one gateway record committed by the scan cycle: nothing is half-applied.
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { isRejectReason, REJECT_REASONS, toHex } from "../../firmware/protocol/index.ts";
import { BallotError, type BallotBook } from "../ballots/book.ts";
import type { HealthBoard } from "../health.ts";
import type { MeterBook } from "../meters/book.ts";
import type { Registry } from "../registry.ts";
import type { RejectStore } from "../rejects.ts";
import { deviceViews } from "./api.ts";

export interface AdminBallotOptions {
  readonly ballots: BallotBook;
  readonly meters: MeterBook;
  readonly registry: Registry;
  readonly health: HealthBoard;
  readonly rejects: RejectStore;
}

/** Largest roll file accepted (a roll of 10^6 voters is about 20 MB). */
export const MAX_ROLL_BYTES = 128 * 1024 * 1024;

const BASE64 = "^[A-Za-z0-9+/]*={0,2}$";
const ballotBody = {
  type: "object",
  required: ["cose"],
  additionalProperties: false,
  properties: { cose: { type: "string", minLength: 4, maxLength: 22_000, pattern: BASE64, description: "the signed ballot (COSE_Sign1), base64" } },
} as const;
const idParams = (pattern: string) => ({ type: "object", required: ["id"], properties: { id: { type: "string", pattern } } }) as const;
const BALLOT_ID = "^[a-z0-9][a-z0-9._-]{0,63}$";
const ROLL_ID = "^[a-z0-9][a-z0-9._-]{0,63}$";

function refuse(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof BallotError) return reply.code(e.status).send({ error: e.message });
  throw e;
}

export function adminBallotRoutes(options: AdminBallotOptions): FastifyPluginAsync {
  const { ballots, rejects } = options;
  return async (app) => {
    // Roll files come as they are: CSV bytes (text/csv), hashed exactly as sent.
    app.addContentTypeParser(["text/csv", "application/octet-stream"], { parseAs: "buffer", bodyLimit: MAX_ROLL_BYTES }, (_request, body, done) => done(null, body));

    app.post<{ Body: { cose: string } }>("/ballots", { schema: { body: ballotBody } }, async (request, reply) => {
      const cose = new Uint8Array(Buffer.from(request.body.cose, "base64"));
      try {
        return reply.code(201).send(await ballots.submit(cose));
      } catch (e) {
        return refuse(reply, e);
      }
    });

    app.get("/ballots", async () => ({ ballots: ballots.ids().map((id) => ballots.view(id)!) }));

    app.get<{ Params: { id: string } }>("/ballots/:id", { schema: { params: idParams(BALLOT_ID) } }, async (request, reply) => {
      const view = ballots.view(request.params.id);
      if (!view) return reply.code(404).send({ error: `id: no ballot "${request.params.id}"` });
      return { ballot: view, cose: Buffer.from(ballots.cose(request.params.id)!).toString("base64") };
    });

    app.get<{ Params: { id: string } }>("/ballots/:id/tally", { schema: { params: idParams(BALLOT_ID) } }, async (request, reply) => {
      const view = ballots.view(request.params.id);
      if (!view) return reply.code(404).send({ error: `id: no ballot "${request.params.id}"` });
      const preview = ballots.preview(request.params.id)!;
      return {
        ballot: view.id,
        rev: view.rev,
        status: view.status,
        // The committed tally record (after close), and what the committed votes count to now.
        result: view.result,
        current: { counts: preview.counts, turnout: preview.turnout, eligible: preview.eligible, quorum: preview.quorum, outcome: preview.outcome, votes: preview.counted.length },
      };
    });

    app.post<{ Params: { id: string }; Body: Buffer }>("/rolls/:id", { schema: { params: idParams(ROLL_ID) }, bodyLimit: MAX_ROLL_BYTES }, async (request, reply) => {
      if (!Buffer.isBuffer(request.body)) return reply.code(415).send({ error: "body: send the roll file as text/csv" });
      try {
        const { roll, created } = await ballots.importRoll(request.params.id, new Uint8Array(request.body));
        return reply.code(created ? 201 : 200).send({ roll, created });
      } catch (e) {
        return refuse(reply, e);
      }
    });

    app.get("/rolls", async () => ({ rolls: ballots.rolls() }));

    app.get<{ Params: { id: string } }>("/rolls/:id", { schema: { params: idParams(ROLL_ID) } }, async (request, reply) => {
      const revisions = ballots.roll(request.params.id);
      if (!revisions) return reply.code(404).send({ error: `id: no roll "${request.params.id}"` });
      return { id: request.params.id, revisions, latest: revisions.at(-1), blob: `/log/blob/${revisions.at(-1)!.sha256}` };
    });

    app.get("/devices/health", async () => ({ devices: deviceViews(options) }));

    app.get<{ Params: { reason: string }; Querystring: { limit?: number } }>(
      "/rejects/:reason",
      {
        schema: {
          params: { type: "object", required: ["reason"], properties: { reason: { type: "string", enum: [...REJECT_REASONS] } } },
          querystring: { type: "object", additionalProperties: false, properties: { limit: { type: "integer", minimum: 1, maximum: 10_000 } } },
        },
      },
      async (request) => {
        const reason = request.params.reason;
        if (!isRejectReason(reason)) throw new Error("unreachable: the schema checked the reason");
        const limit = request.query.limit ?? 100;
        return {
          reason,
          count: rejects.counts()[reason],
          recent: rejects
            .recent(10_000)
            .filter((r) => r.reason === reason)
            .slice(0, limit)
            .map((r) => ({ ...r, head: toHex(r.head) })),
        };
      },
    );
  };
}
