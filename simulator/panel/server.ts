// `signet sim panel`: a small fastify server for one simulated kiosk. The
// page (plain HTML, CSS and JS files beside this one, no build step) shows the
// kiosk live through server-sent events and sends what a person does as
// small JSON requests; bodies are checked by schema.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance } from "fastify";
import { KIOSK_PINS } from "../device";
import { PanelKiosk } from "./kiosk";

const FILES: Record<string, string> = {
  "/": "index.html",
  "/panel.js": "panel.js",
  "/panel.css": "panel.css",
};
const TYPES: Record<string, string> = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };

export interface PanelServer {
  readonly url: string;
  readonly kiosk: PanelKiosk;
  readonly http: FastifyInstance;
  close(): Promise<void>;
}

export interface PanelServerOptions {
  readonly port?: number;
  readonly host?: string;
  readonly seed?: string;
  readonly auth?: "pin" | "fp" | "pin+fp";
}

export async function startPanel(options: PanelServerOptions = {}): Promise<PanelServer> {
  const kiosk = new PanelKiosk({ seed: options.seed, auth: options.auth });
  await kiosk.start();
  const http = Fastify({ logger: false });
  const streams = new Set<() => void>();

  for (const [route, file] of Object.entries(FILES)) {
    const body = readFileSync(fileURLToPath(new URL(file, import.meta.url)), "utf8");
    const type = TYPES[file.split(".").pop()!];
    http.get(route, async (_request, reply) => reply.type(type).header("cache-control", "no-store").send(body));
  }

  http.get("/api/state", async () => kiosk.state());

  http.get("/api/events", (request, reply) => {
    reply.raw.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    let queued = false;
    const send = () => {
      if (queued) return;
      queued = true;
      // Coalesce bursts (a key press redraws the screen and the LEDs) into one event.
      setTimeout(() => {
        queued = false;
        reply.raw.write(`data: ${JSON.stringify(kiosk.state())}\n\n`);
      }, 30);
    };
    const unsubscribe = kiosk.onChange(send);
    const close = () => {
      unsubscribe();
      streams.delete(close);
      reply.raw.end();
    };
    streams.add(close);
    request.raw.on("close", close);
    send();
  });

  const done = { ok: true };
  http.post<{ Body: { key: string } }>(
    "/api/key",
    { schema: { body: { type: "object", required: ["key"], additionalProperties: false, properties: { key: { type: "string", pattern: "^[0-9*#]$" } } } } },
    async (request) => (await kiosk.key(request.body.key), done),
  );
  http.post<{ Body: { button: string } }>(
    "/api/press",
    { schema: { body: { type: "object", required: ["button"], additionalProperties: false, properties: { button: { type: "string", enum: Object.keys(KIOSK_PINS.buttons) } } } } },
    async (request) => (await kiosk.press(request.body.button), done),
  );
  http.post<{ Body: { finger: string } }>(
    "/api/finger",
    { schema: { body: { type: "object", required: ["finger"], additionalProperties: false, properties: { finger: { type: "string", minLength: 1, maxLength: 64 } } } } },
    async (request) => (await kiosk.finger(request.body.finger), done),
  );
  http.post<{ Body: { watts: number } }>(
    "/api/load",
    { schema: { body: { type: "object", required: ["watts"], additionalProperties: false, properties: { watts: { type: "number", minimum: 0, maximum: 20000 } } } } },
    async (request) => (await kiosk.setLoad(request.body.watts), done),
  );
  http.post<{ Body: { up: boolean } }>(
    "/api/link",
    { schema: { body: { type: "object", required: ["up"], additionalProperties: false, properties: { up: { type: "boolean" } } } } },
    async (request) => (await kiosk.setLink(request.body.up), done),
  );
  http.post<{ Body: { on: boolean } }>(
    "/api/power",
    { schema: { body: { type: "object", required: ["on"], additionalProperties: false, properties: { on: { type: "boolean" } } } } },
    async (request) => (await kiosk.setPower(request.body.on), done),
  );

  const address = await http.listen({ port: options.port ?? 0, host: options.host ?? "127.0.0.1" });
  return {
    url: address,
    kiosk,
    http,
    async close() {
      for (const close of [...streams]) close();
      kiosk.stop();
      await http.close();
    },
  };
}
