// `signet gateway`: runs the site gateway in the foreground until SIGINT or
// SIGTERM; prints where it listens, its log origin and verifier key.
import { Command } from "commander";
import pino from "pino";
import { join } from "node:path";
import { mosquittoPasswordHash } from "../gateway/broker/credentials.ts";
import { writeMosquittoFiles } from "../gateway/broker/mosquitto.ts";
import { ConfigError, loadConfig, type ConfigFlags } from "../gateway/config.ts";
import { DATABASE_FILE, startGateway } from "../gateway/gateway.ts";
import { openDatabase } from "../gateway/ledger/store.ts";
import { readMosquittoAccounts } from "../gateway/registry.ts";
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

function loadOrFail(flags: ConfigFlags) {
  try {
    return loadConfig(flags);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message);
    throw e;
  }
}

/** `signet gateway mosquitto`: the files an external Mosquitto needs for this gateway's devices. */
function mosquittoCommand(): Command {
  return new Command("mosquitto")
    .description("write mosquitto.conf, acl and passwords for an external Mosquitto broker (PROTOCOL §5, §8) from the gateway's registry")
    .requiredOption("--out <dir>", "directory for the three files")
    .option("--config <file>", "the gateway's configuration file")
    .option("--data <dir>", "the gateway's data directory (default ./signet-data, or SIGNET_DATA)")
    .option("--port <port>", "the port Mosquitto listens on", "1883")
    .option("--listen <addr>", "the address Mosquitto listens on", "127.0.0.1")
    .action(async (flags: { out: string; config?: string; data?: string; port: string; listen: string }) => {
      const config = loadOrFail({ config: flags.config, data: flags.data });
      const db = openDatabase(join(config.dataDir, DATABASE_FILE));
      let devices;
      try {
        devices = readMosquittoAccounts(db);
      } finally {
        db.close();
      }
      const written = writeMosquittoFiles({
        site: config.site,
        host: flags.listen,
        port: portFlag(flags.port, "--port"),
        dir: flags.out,
        devices,
        gatewayHash: await mosquittoPasswordHash(config.brokerPassword),
      });
      process.stdout.write(`${written.join("\n")}\n${devices.length} devices; start with: mosquitto -c ${written[0]}\n`);
      process.stdout.write(`then run the gateway with broker.url (SIGNET_BROKER_URL=mqtt://${flags.listen}:${flags.port})\n`);
    });
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
      const config = loadOrFail({
        config: flags.config,
        data: flags.data,
        listen: flags.listen,
        http: flags.http === undefined ? undefined : portFlag(flags.http, "--http"),
        mqtt: flags.mqtt === undefined ? undefined : portFlag(flags.mqtt, "--mqtt"),
      });
      // A closed pipe on stdout (`signet gateway | head`) must not take the gateway down.
      process.stdout.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code !== "EPIPE") throw e;
      });
      const say = (line: string) => process.stdout.write(`${line}\n`);
      // Structured JSON logs (pino) on stderr; stdout keeps the banner people and scripts read.
      const gateway = await startGateway(config, { logger: pino({ base: { site: config.site } }, pino.destination(2)), processMetrics: true });
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
    })
    .addCommand(mosquittoCommand());
}
