// `signet device`: enrol, revoke and list devices through a gateway's admin API.
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { CliError } from "./errors.ts";

export interface Connection {
  gateway: string;
  token?: string;
  tokenFile?: string;
}

export function withConnection(command: Command): Command {
  return command
    .requiredOption("--gateway <url>", "the gateway's HTTP address, e.g. http://127.0.0.1:8080")
    .option("--token <token>", "an admin token (or SIGNET_ADMIN_TOKEN)")
    .option("--token-file <file>", "read the admin token from a file (e.g. the data directory's admin-token)");
}

function tokenOf(c: Connection): string {
  if (c.token) return c.token;
  if (c.tokenFile) return readFileSync(c.tokenFile, "utf8").trim();
  if (process.env.SIGNET_ADMIN_TOKEN) return process.env.SIGNET_ADMIN_TOKEN;
  throw new CliError("an admin token is needed: --token, --token-file or SIGNET_ADMIN_TOKEN");
}

/** Calls the admin API; a refusal becomes a CliError with the gateway's own words. */
export async function admin(c: Connection, method: "GET" | "POST", path: string, body?: unknown, contentType = "application/json"): Promise<unknown> {
  const url = new URL(`/admin${path}`, c.gateway);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${tokenOf(c)}`, ...(body === undefined ? {} : { "content-type": contentType }) },
      body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
    });
  } catch (e) {
    throw new CliError(`cannot reach the gateway at ${c.gateway}: ${(e as Error).cause ?? (e as Error).message}`, 1);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`the gateway answered ${response.status} with something that is not JSON: ${text.slice(0, 200)}`, 1);
  }
  if (!response.ok) throw new CliError(`the gateway refused (${response.status}): ${(json as { error?: string }).error ?? text}`, 1);
  return json;
}

export function deviceCommand(): Command {
  const device = new Command("device").description("enrol, revoke and list devices on a gateway (admin API)");

  withConnection(device.command("enroll").alias("enrol").description("enrol a device: its key goes into the log as a device record"))
    .requiredOption("--id <id>", "device id (also its MQTT client id and user name)")
    .requiredOption("--site <site>", "the site the device belongs to, for life")
    .addOption(new Option("--alg <alg>", "signature algorithm").choices(["ES256", "EdDSA"]).makeOptionMandatory())
    .requiredOption("--pub <hex>", "public key: 65-byte uncompressed P-256 point or 32-byte Ed25519 key, hex")
    .requiredOption("--password <password>", "the device's MQTT password")
    .action(async (o: Connection & { id: string; site: string; alg: string; pub: string; password: string }) => {
      const result = (await admin(o, "POST", "/devices", { id: o.id, site: o.site, alg: o.alg, pub: o.pub.replace(/^0x/i, ""), password: o.password })) as {
        device: { id: string; leaf: number };
      };
      process.stdout.write(`enrolled ${result.device.id}: device record at leaf ${result.device.leaf}\n`);
    });

  withConnection(device.command("revoke").description("revoke a device: its messages are refused from now on (a device record in the log)"))
    .requiredOption("--id <id>", "device id")
    .action(async (o: Connection & { id: string }) => {
      const result = (await admin(o, "POST", `/devices/${encodeURIComponent(o.id)}/revoke`)) as { device: { id: string; leaf: number } };
      process.stdout.write(`revoked ${result.device.id}: device record at leaf ${result.device.leaf}\n`);
    });

  withConnection(device.command("list").description("list enrolled devices"))
    .option("--json", "print the admin API's JSON")
    .action(async (o: Connection & { json?: boolean }) => {
      const result = (await admin(o, "GET", "/devices")) as {
        devices: { id: string; site: string; alg: string; status: string; leaf: number; pub: string; health: { state?: { value: string } } | null }[];
      };
      if (o.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const rows = [["id", "site", "alg", "status", "state", "leaf", "public key"]];
      for (const d of result.devices) rows.push([d.id, d.site, d.alg, d.status, d.health?.state?.value ?? "-", String(d.leaf), `${d.pub.slice(0, 16)}…`]);
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      for (const r of rows) process.stdout.write(`${r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()}\n`);
    });

  return device;
}
