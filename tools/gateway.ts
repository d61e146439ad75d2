// `signet gateway`: runs the site gateway in the foreground until SIGINT or
// SIGTERM; prints where it listens, its log origin and verifier key.
import { Command } from "commander";
import { ConfigError, loadConfig } from "../gateway/config.ts";
import { startGateway } from "../gateway/gateway.ts";
import { CliError } from "./errors.ts";

interface GatewayFlags {
  config?: string;
  data?: string;
  http?: string;
  mqtt?: string;
  listen?: string;
}

function portFlag(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`${flag} must be a port number 0 … 65535 (0: a free port), got "${value}"`);
  return port;
}

export function gatewayCommand(): Command {
  return new Command("gateway")
    .description("run the site gateway: embedded MQTT broker, verification, scan cycle, Merkle log, HTTP API")
    .option("--config <file>", "configuration file (YAML or JSON); SIGNET_… environment variables override it")
    .option("--data <dir>", "data directory: key, database, admin token (default ./signet-data, or SIGNET_DATA)")
    .option("--http <port>", "HTTP port (default 8080; 0: a free port)")
    .option("--mqtt <port>", "embedded broker port (default 1883; 0: a free port)")
    .option("--listen <addr>", "address for HTTP and MQTT (default 127.0.0.1)")
    .action(async (flags: GatewayFlags) => {
      let config;
      try {
        config = loadConfig({
          config: flags.config,
          data: flags.data,
          listen: flags.listen,
          http: flags.http === undefined ? undefined : portFlag(flags.http, "--http"),
          mqtt: flags.mqtt === undefined ? undefined : portFlag(flags.mqtt, "--mqtt"),
        });
      } catch (e) {
        if (e instanceof ConfigError) throw new CliError(e.message);
        throw e;
      }
      const say = (line: string) => process.stdout.write(`${line}\n`);
      const gateway = await startGateway(config, { log: (line) => process.stderr.write(`${line}\n`), processMetrics: true });
      say(`signet gateway for site ${config.site}`);
      say(`  http      ${gateway.httpUrl}`);
      say(`  mqtt      ${gateway.mqttUrl}${config.broker.url ? " (external broker)" : ""}`);
      say(`  origin    ${gateway.key.name}`);
      say(`  key       ${gateway.key.verifierKey}`);
      say(`  data      ${config.dataDir}`);
      say(`  log size  ${gateway.ledger.size}`);
      if (config.createdAdminToken !== undefined)
        say(`  admin token (shown once; kept in ${config.dataDir}/admin-token): ${config.createdAdminToken}`);
      say("ready");
      await new Promise<void>((resolve) => {
        const shutdown = () => resolve();
        process.once("SIGINT", shutdown);
        process.once("SIGTERM", shutdown);
      });
      await gateway.stop();
    });
}
