// The OpenAPI 3.1 description of the gateway's HTTP API, served at
// /openapi.json: the public read API (/api), the log (PROTOCOL §7.4), the
// admin API (/admin, bearer token) and /metrics.
import { REJECT_REASONS } from "../../firmware/protocol/index.ts";

const json = (schema: object, description = "OK") => ({ description, content: { "application/json": { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => json(ref("Error"), description);
const query = (name: string, schema: object, description: string, required = false) => ({ name, in: "query", required, schema, description });
const path = (name: string, schema: object = { type: "string" }) => ({ name, in: "path", required: true, schema });
const admin = { security: [{ bearer: [] }], tags: ["admin"] };
const unauthorized = { "401": error("no bearer token"), "403": error("not an admin token") };

const energyTotal = { type: "object", required: ["wh", "estimated"], properties: { wh: { type: "number" }, estimated: { type: "boolean" } } };
const energySeries = {
  type: "array",
  items: {
    type: "object",
    required: ["start", "wh", "estimated"],
    properties: {
      start: { type: "integer", description: "bucket start, Unix seconds" },
      wh: { type: "number" },
      estimated: { type: "boolean", description: "part of the bucket's energy was covered from the cumulative count across a gap, not from reported intervals" },
    },
  },
};

export function openApiDocument(): object {
  return {
    openapi: "3.1.0",
    info: {
      title: "Signet gateway",
      version: "1",
      description: "A site gateway: signed votes and meter readings verified into a Merkle log. Times: opens/closes/from/to/start in Unix seconds; at/lastSeen in Unix milliseconds.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "an admin token from the gateway configuration" } },
      schemas: {
        Error: { type: "object", required: ["error"], properties: { error: { type: "string", description: "names the field or parameter at fault" } } },
        Option: { type: "object", required: ["id", "label"], properties: { id: { type: "string" }, label: { type: "string" } } },
        Rule: {
          oneOf: [
            { type: "object", required: ["kind"], properties: { kind: { const: "plurality" } } },
            {
              type: "object",
              required: ["kind", "option", "num", "den", "base"],
              properties: { kind: { const: "threshold" }, option: { type: "string" }, num: { type: "integer" }, den: { type: "integer" }, base: { enum: ["cast", "eligible"] } },
            },
          ],
        },
        Result: {
          type: "object",
          required: ["counts", "turnout", "eligible", "quorum", "outcome", "size", "leaf", "explanation"],
          properties: {
            counts: { type: "object", additionalProperties: { type: "integer" }, description: "option id → counted weight" },
            turnout: { type: "integer" },
            eligible: { type: "integer" },
            quorum: { enum: ["met", "missed"] },
            outcome: { type: "string", description: "an option id, tie, no-quorum, adopted or rejected" },
            size: { type: "integer", description: "log size when the ballot closed: votes with a lower leaf index count" },
            leaf: { type: "integer", description: "index of the tally entry" },
            explanation: { type: "string", description: "one plain sentence: the rule and why this outcome" },
          },
        },
        Ballot: {
          type: "object",
          required: ["id", "rev", "title", "options", "opens", "closes", "rule", "quorum", "roll", "status", "turnout", "eligible", "votes", "leaf", "result"],
          properties: {
            id: { type: "string" },
            rev: { type: "integer" },
            title: { type: "string" },
            options: { type: "array", items: ref("Option") },
            opens: { type: "integer" },
            closes: { type: "integer" },
            rule: ref("Rule"),
            quorum: { type: "object", properties: { num: { type: "integer" }, den: { type: "integer" } } },
            roll: { type: "string" },
            status: { enum: ["scheduled", "open", "closed"] },
            turnout: { type: "integer", description: "counted weight; live while open" },
            eligible: { type: "integer", description: "the roll's total weight" },
            votes: { type: "integer", description: "number of counted votes" },
            leaf: { type: "integer", description: "index of the latest revision's ballot entry" },
            result: { oneOf: [{ type: "null" }, ref("Result")], description: "null until the tally is committed" },
          },
        },
        Energy: {
          type: "object",
          required: ["site", "bucket", "from", "to", "total", "series", "devices"],
          properties: {
            site: { type: "string" },
            bucket: { enum: ["15m", "1h", "1d"] },
            from: { type: "integer" },
            to: { type: "integer" },
            total: energyTotal,
            series: energySeries,
            devices: { type: "array", items: { type: "object", required: ["dev", "total", "series"], properties: { dev: { type: "string" }, total: energyTotal, series: energySeries } } },
          },
        },
        Device: {
          type: "object",
          required: ["id", "site", "alg", "status", "state", "lastSeen", "outbox", "fw", "up", "heap"],
          properties: {
            id: { type: "string" },
            site: { type: "string" },
            alg: { enum: ["ES256", "EdDSA"] },
            status: { enum: ["active", "revoked"] },
            state: { type: ["string", "null"], description: "online/offline from the device's retained state topic" },
            lastSeen: { type: ["integer", "null"], description: "Unix ms" },
            outbox: { type: ["integer", "null"] },
            fw: { type: ["string", "null"] },
            up: { type: ["integer", "null"], description: "seconds since boot" },
            heap: { type: ["integer", "null"] },
          },
        },
        RollRevision: {
          type: "object",
          properties: {
            id: { type: "string" },
            rev: { type: "integer" },
            leaf: { type: "integer" },
            at: { type: "integer" },
            sha256: { type: "string" },
            size: { type: "integer" },
            voters: { type: "integer" },
            weight: { type: "integer" },
          },
        },
      },
    },
    paths: {
      "/api/ballots": { get: { tags: ["read"], summary: "every ballot", responses: { "200": json({ type: "object", properties: { ballots: { type: "array", items: ref("Ballot") } } }) } } },
      "/api/ballots/{id}": { get: { tags: ["read"], summary: "one ballot", parameters: [path("id")], responses: { "200": json(ref("Ballot")), "404": error("unknown ballot") } } },
      "/api/energy": {
        get: {
          tags: ["read"],
          summary: "energy per bucket for the site and each device",
          parameters: [
            query("site", { type: "string" }, "the gateway's site", true),
            query("bucket", { enum: ["15m", "1h", "1d"], default: "1h" }, "bucket size"),
            query("from", { type: "integer" }, "Unix seconds (default: to − 24 h)"),
            query("to", { type: "integer" }, "Unix seconds (default: now)"),
            query("dev", { type: "string" }, "one device only"),
          ],
          responses: { "200": json(ref("Energy")), "400": error("bad parameter"), "404": error("another site") },
        },
      },
      "/api/devices": { get: { tags: ["read"], summary: "device health", responses: { "200": json({ type: "object", properties: { devices: { type: "array", items: ref("Device") } } }) } } },
      "/api/rejects": {
        get: {
          tags: ["read"],
          summary: "refused messages: counts per reason and the latest 100 (no message bytes)",
          responses: {
            "200": json({
              type: "object",
              properties: {
                counts: { type: "object", properties: Object.fromEntries(REJECT_REASONS.map((r) => [r, { type: "integer" }])) },
                recent: { type: "array", items: { type: "object", properties: { reason: { enum: [...REJECT_REASONS] }, topic: { type: "string" }, at: { type: "integer" }, detail: { type: "string" } } } },
              },
            }),
          },
        },
      },
      "/api/summary": {
        get: {
          tags: ["read"],
          summary: "for the page header",
          responses: {
            "200": json({
              type: "object",
              properties: { origin: { type: "string" }, verifierKey: { type: "string" }, size: { type: "integer" }, site: { type: "string" }, devices: { type: "integer" }, ballotsOpen: { type: "integer" } },
            }),
          },
        },
      },
      "/log/checkpoint": { get: { tags: ["log"], summary: "the latest signed checkpoint (text/plain)", responses: { "200": { description: "signed note" } } } },
      "/log/key": { get: { tags: ["log"], summary: "the verifier key string (text/plain)", responses: { "200": { description: "key" } } } },
      "/log/entries": { get: { tags: ["log"], parameters: [query("start", { type: "integer" }, "first index", true), query("end", { type: "integer" }, "end index", true)], responses: { "200": json({ type: "object", properties: { entries: { type: "array", items: { type: "string", contentEncoding: "base64" } } } }) } } },
      "/log/proof/inclusion": { get: { tags: ["log"], parameters: [query("index", { type: "integer" }, "leaf", true), query("size", { type: "integer" }, "tree size", true)], responses: { "200": json({ type: "object" }) } } },
      "/log/proof/consistency": { get: { tags: ["log"], parameters: [query("from", { type: "integer" }, "size", true), query("to", { type: "integer" }, "size", true)], responses: { "200": json({ type: "object" }) } } },
      "/log/receipt/{code}": { get: { tags: ["log"], parameters: [path("code")], responses: { "200": json({ type: "object" }), "404": error("no entry") } } },
      "/log/blob/{sha256}": { get: { tags: ["log"], parameters: [path("sha256")], responses: { "200": { description: "the file (a roll CSV)" }, "404": error("no blob") } } },
      "/metrics": { get: { tags: ["ops"], summary: "Prometheus metrics (text)", responses: { "200": { description: "text exposition format" } } } },
      "/admin/ballots": {
        get: { ...admin, summary: "every ballot", responses: { "200": json({ type: "object", properties: { ballots: { type: "array", items: ref("Ballot") } } }), ...unauthorized } },
        post: {
          ...admin,
          summary: "accept a signed ballot revision (§8): committed as a ballot entry, then published retained",
          requestBody: { required: true, content: { "application/json": { schema: { type: "object", required: ["cose"], additionalProperties: false, properties: { cose: { type: "string", contentEncoding: "base64" } } } } } },
          responses: {
            "201": json({ type: "object", properties: { ballot: ref("Ballot"), leaf: { type: "integer" }, size: { type: "integer" } } }, "committed"),
            "400": error("unsigned, wrongly signed, not §4.5, roll not imported, window in the past, or a fixed field changed after opening"),
            "409": error("rev not above the committed rev, or the ballot is closed"),
            ...unauthorized,
          },
        },
      },
      "/admin/ballots/{id}": { get: { ...admin, parameters: [path("id")], responses: { "200": json({ type: "object", properties: { ballot: ref("Ballot"), cose: { type: "string" } } }), "404": error("unknown"), ...unauthorized } } },
      "/admin/ballots/{id}/tally": { get: { ...admin, summary: "the committed tally (after close) and the count of the committed votes now", parameters: [path("id")], responses: { "200": json({ type: "object" }), "404": error("unknown"), ...unauthorized } } },
      "/admin/rolls": { get: { ...admin, responses: { "200": json({ type: "object", properties: { rolls: { type: "array", items: ref("RollRevision") } } }), ...unauthorized } } },
      "/admin/rolls/{id}": {
        get: { ...admin, parameters: [path("id")], responses: { "200": json({ type: "object", properties: { id: { type: "string" }, revisions: { type: "array", items: ref("RollRevision") } } }), "404": error("unknown"), ...unauthorized } },
        post: {
          ...admin,
          summary: "import a roll file (PROTOCOL §4.6 CSV) as the roll's next revision; the same bytes as the latest revision answer 200 with it",
          parameters: [path("id")],
          requestBody: { required: true, content: { "text/csv": { schema: { type: "string" } } } },
          responses: { "201": json({ type: "object", properties: { roll: ref("RollRevision"), created: { type: "boolean" } } }, "committed"), "200": json({ type: "object" }, "unchanged"), "400": error("a bad row: the error names the line"), ...unauthorized },
        },
      },
      "/admin/devices": {
        get: { ...admin, responses: { "200": json({ type: "object" }), ...unauthorized } },
        post: {
          ...admin,
          summary: "enrol a device",
          requestBody: { required: true, content: { "application/json": { schema: { type: "object", required: ["id", "site", "alg", "pub", "password"], properties: { id: { type: "string" }, site: { type: "string" }, alg: { enum: ["ES256", "EdDSA"] }, pub: { type: "string" }, password: { type: "string" } } } } } },
          responses: { "201": json({ type: "object" }), "400": error("bad field"), "409": error("already enrolled"), ...unauthorized },
        },
      },
      "/admin/devices/{id}/revoke": { post: { ...admin, parameters: [path("id")], responses: { "200": json({ type: "object" }), "404": error("unknown"), ...unauthorized } } },
      "/admin/devices/health": { get: { ...admin, responses: { "200": json({ type: "object", properties: { devices: { type: "array", items: ref("Device") } } }), ...unauthorized } } },
      "/admin/rejects": { get: { ...admin, responses: { "200": json({ type: "object" }), ...unauthorized } } },
      "/admin/rejects/{reason}": { get: { ...admin, parameters: [path("reason", { enum: [...REJECT_REASONS] }), query("limit", { type: "integer" }, "at most this many (100)")], responses: { "200": json({ type: "object" }), ...unauthorized } } },
    },
  };
}
