// The dashboard, a fastify plugin: `/` is the page, `/dashboard/dashboard.js`
// its TypeScript (page/) bundled by esbuild inside the gateway process the
// first time the page is asked for, then kept; `/dashboard/dashboard.css`
// uPlot's stylesheet and ours. No build server and no build step: the page
// data comes from the public read API (/api/*, /log/*).
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { FastifyPluginAsync } from "fastify";

const PAGE = fileURLToPath(new URL("page/", import.meta.url));
const require = createRequire(import.meta.url);

export interface DashboardAssets {
  readonly html: string;
  readonly js: string;
  readonly css: string;
}

let assets: Promise<DashboardAssets> | undefined;

/** The page, its bundle and its stylesheet; built once per process (a few hundred milliseconds). */
export function dashboardAssets(): Promise<DashboardAssets> {
  assets ??= buildAssets().catch((e: unknown) => {
    assets = undefined; // a failed build is retried on the next request
    throw e;
  });
  return assets;
}

async function buildAssets(): Promise<DashboardAssets> {
  const [bundle, html, ours, uplot] = await Promise.all([
    build({
      entryPoints: [`${PAGE}main.ts`],
      bundle: true,
      write: false,
      format: "iife",
      platform: "browser",
      target: ["chrome110", "firefox110", "safari16"],
      minify: true,
      legalComments: "none",
      logLevel: "silent",
    }),
    readFile(`${PAGE}index.html`, "utf8"),
    readFile(`${PAGE}dashboard.css`, "utf8"),
    readFile(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
  ]);
  return { html, js: bundle.outputFiles[0].text, css: `${uplot}\n${ours}` };
}

const TYPES = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" } as const;

/**
 * The page runs only its own bundle and talks only to this gateway: a page
 * that tells voters "verified" must not run or send anything else. Inline
 * styles are allowed for the bars' widths and uPlot's layout.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const serve = (path: string, part: keyof DashboardAssets, type: string) =>
    app.get(path, async (_request, reply) => {
      const body = (await dashboardAssets())[part];
      return reply.type(type).header("cache-control", "no-cache").header("x-content-type-options", "nosniff").header("content-security-policy", CONTENT_SECURITY_POLICY).send(body);
    });
  serve("/", "html", TYPES.html);
  serve("/dashboard/dashboard.js", "js", TYPES.js);
  serve("/dashboard/dashboard.css", "css", TYPES.css);
};
