// The log read API of PROTOCOL §7.4, a fastify plugin:
//   app.register(logRoutes, { ledger, blobs })
// Everything is served against the latest signed checkpoint: the log's size
// here is that checkpoint's size, so every answer can be proved against a
// note the client already has or can fetch. Parameters are checked by the
// route schemas; errors are {"error": "…"} naming the problem (400 bad
// parameter, 404 not found).
import type { FastifyError, FastifyPluginAsync, FastifyReply } from "fastify";
import { normalizeReceiptCode } from "../../firmware/protocol/index.ts";
import type { BlobStore } from "../ledger/blobs.ts";
import type { Ledger } from "../ledger/ledger.ts";

export interface LogRoutesOptions {
  readonly ledger: Ledger;
  readonly blobs: BlobStore;
}

/** At most this many entries per /log/entries answer (§7.4). */
export const MAX_ENTRIES_PER_REQUEST = 1000;

// Query numbers are plain decimals: Ajv's coercion would also take "0x1", "1e3" or " 1".
const DECIMAL = "^(0|[1-9][0-9]{0,15})$";
const decimal = { type: "string", pattern: DECIMAL } as const;
const count = { type: "integer", minimum: 0 } as const;
const base64List = { type: "array", items: { type: "string" } } as const;
const errorBody = { type: "object", properties: { error: { type: "string" } }, required: ["error"] } as const;

/** A 400 or 404 with its reason; the plugin's error handler turns it into {"error": …}. */
class LogRequestError extends Error {
  constructor(
    readonly statusCode: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}
const badRequest = (message: string) => new LogRequestError(400, message);
const notFound = (message: string) => new LogRequestError(404, message);

export const logRoutes: FastifyPluginAsync<LogRoutesOptions> = async (app, { ledger, blobs }) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) return reply.code(400).send({ error: validationMessage(error) });
    if (error instanceof LogRequestError) return reply.code(error.statusCode).send({ error: error.message });
    request.log.error(error);
    return reply.code(500).send({ error: "internal error" });
  });

  /** The size clients can prove against: the latest checkpoint's (0 before the first). */
  const provableSize = () => ledger.latest()?.size ?? 0;

  app.get("/log/checkpoint", (_request, reply) => {
    const checkpoint = ledger.latest();
    if (!checkpoint) throw notFound("the log has no checkpoint yet");
    return text(reply, checkpoint.note);
  });

  app.get("/log/key", (_request, reply) => text(reply, `${ledger.key.verifierKey}\n`));

  app.get<{ Querystring: { start: string; end: string } }>(
    "/log/entries",
    {
      schema: {
        querystring: { type: "object", properties: { start: decimal, end: decimal }, required: ["start", "end"] },
        response: { 200: { type: "object", properties: { entries: base64List }, required: ["entries"] }, "4xx": errorBody },
      },
    },
    (request) => {
      const start = Number(request.query.start);
      const end = Number(request.query.end);
      const size = provableSize();
      if (start >= size) throw badRequest(`start ${start} is not below the log size ${size}`);
      if (start > end) throw badRequest(`start ${start} is above end ${end}`);
      const stop = Math.min(end, size, start + MAX_ENTRIES_PER_REQUEST);
      return { entries: ledger.entries(start, stop).map(base64) };
    },
  );

  app.get<{ Querystring: { index: string; size: string } }>(
    "/log/proof/inclusion",
    {
      schema: {
        querystring: { type: "object", properties: { index: decimal, size: decimal }, required: ["index", "size"] },
        response: {
          200: { type: "object", properties: { index: count, size: count, hashes: base64List }, required: ["index", "size", "hashes"] },
          "4xx": errorBody,
        },
      },
    },
    (request) => {
      const index = Number(request.query.index);
      const size = Number(request.query.size);
      const logSize = provableSize();
      if (size > logSize) throw badRequest(`size ${size} is above the log size ${logSize}`);
      if (index >= size) throw badRequest(`index ${index} is not below size ${size}`);
      return { index, size, hashes: ledger.inclusionProof(index, size).map(base64) };
    },
  );

  app.get<{ Querystring: { from: string; to: string } }>(
    "/log/proof/consistency",
    {
      schema: {
        querystring: { type: "object", properties: { from: decimal, to: decimal }, required: ["from", "to"] },
        response: {
          200: { type: "object", properties: { from: count, to: count, hashes: base64List }, required: ["from", "to", "hashes"] },
          "4xx": errorBody,
        },
      },
    },
    (request) => {
      const from = Number(request.query.from);
      const to = Number(request.query.to);
      const logSize = provableSize();
      if (from < 1) throw badRequest("from must be at least 1: there is no consistency proof from an empty tree");
      if (from > to) throw badRequest(`from ${from} is above to ${to}`);
      if (to > logSize) throw badRequest(`to ${to} is above the log size ${logSize}`);
      return { from, to, hashes: ledger.consistencyProof(from, to).map(base64) };
    },
  );

  app.get<{ Params: { code: string } }>(
    "/log/receipt/:code",
    {
      schema: {
        params: { type: "object", properties: { code: { type: "string", pattern: "^[A-Za-z2-7]{4}-?[A-Za-z2-7]{4}$" } }, required: ["code"] },
        response: {
          200: {
            type: "object",
            properties: {
              checkpoint: { type: "string" },
              matches: { type: "array", items: { type: "object", properties: { index: count, entry: { type: "string" }, hashes: base64List }, required: ["index", "entry", "hashes"] } },
            },
            required: ["checkpoint", "matches"],
          },
          "4xx": errorBody,
        },
      },
    },
    (request) => {
      const code = normalizeReceiptCode(request.params.code)!;
      const checkpoint = ledger.latest();
      // Entries after the latest checkpoint cannot be proved yet; they are found once it covers them.
      const indices = checkpoint ? ledger.findByReceipt(code).filter((i) => i < checkpoint.size) : [];
      if (!checkpoint || indices.length === 0) throw notFound(`no entry has receipt code ${code}`);
      return {
        checkpoint: checkpoint.note,
        matches: indices.map((index) => ({ index, entry: base64(ledger.entry(index)), hashes: ledger.inclusionProof(index, checkpoint.size).map(base64) })),
      };
    },
  );

  app.get<{ Params: { sha256: string } }>(
    "/log/blob/:sha256",
    { schema: { params: { type: "object", properties: { sha256: { type: "string", pattern: "^[0-9a-f]{64}$" } }, required: ["sha256"] } } },
    (request, reply) => {
      const blob = blobs.get(request.params.sha256);
      if (!blob) throw notFound(`no blob with SHA-256 ${request.params.sha256}`);
      return reply.type("application/octet-stream").send(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength));
    },
  );
};

function text(reply: FastifyReply, body: string): FastifyReply {
  return reply.type("text/plain; charset=utf-8").send(body);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** "start: must be integer" — the parameter and Ajv's complaint, without fastify's schema paths. */
function validationMessage(error: FastifyError): string {
  return (error.validation ?? [])
    .map((item) => {
      const name = (item.params as { missingProperty?: string }).missingProperty ?? item.instancePath.replace(/^\//, "");
      const what = item.keyword === "pattern" ? describePattern(name) : item.message;
      return `${error.validationContext ?? "request"} parameter ${name}: ${what}`;
    })
    .join("; ");
}

function describePattern(name: string): string {
  if (name === "sha256") return "must be 64 lowercase hex digits";
  if (name === "code") return "must be a receipt code: 8 base32 letters, ABCD-EFGH, with or without the dash";
  return "must be a decimal integer (digits only, no sign, no leading zeros)";
}
