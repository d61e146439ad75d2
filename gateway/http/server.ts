// The gateway's HTTP server (fastify): the log read API of §7.4, the admin
// API, and whatever later components register. Errors are `{"error": "…"}`
// naming the problem, as §7.4 asks, including schema validation failures.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync } from "fastify";
import { dashboardRoutes } from "../dashboard/dashboard.ts";
import { adminRoutes, type AdminOptions } from "./admin.ts";

export interface HttpServerOptions {
  readonly admin: AdminOptions;
  /** Plugins mounted at the root, e.g. the log read API (routes under /log). */
  readonly plugins?: readonly { readonly plugin: FastifyPluginAsync<never>; readonly options?: unknown }[];
  readonly logger?: boolean;
}

interface ValidationItem {
  instancePath?: string;
  message?: string;
  params?: { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
}

/** "body.pub: must match pattern …" from an Ajv validation item. */
export function validationMessage(context: string | undefined, items: readonly ValidationItem[]): string {
  return items
    .map((item) => {
      const path = (item.instancePath ?? "").split("/").filter((p) => p !== "");
      if (item.params?.missingProperty) path.push(item.params.missingProperty);
      if (item.params?.additionalProperty) return `${[context ?? "body", ...path, item.params.additionalProperty].join(".")}: is not a known field`;
      const allowed = item.params?.allowedValues ? ` (${item.params.allowedValues.join(", ")})` : "";
      return `${[context ?? "body", ...path].join(".")}: ${item.message ?? "is invalid"}${allowed}`;
    })
    .join("; ");
}

export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, ajv: { customOptions: { allErrors: false, removeAdditional: false } } });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.validation) return reply.code(400).send({ error: validationMessage(error.validationContext, error.validation as ValidationItem[]) });
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) app.log.error(error);
    return reply.code(status).send({ error: status === 500 ? "internal error" : error.message });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url.split("?")[0]}` }));
  for (const { plugin, options: pluginOptions } of options.plugins ?? []) await app.register(plugin, pluginOptions as never);
  await app.register(adminRoutes, { ...options.admin, prefix: "/admin" });
  await app.register(dashboardRoutes);
  return app;
}
