// The site gateway, assembled in the order a vote travels: broker → ingest
// (rules 1–7) → scan cycle (rule 8, hooks, one transaction, checkpoint) →
// acks; beside it the registry, the reject store and the HTTP server.
import { chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import type { Logger } from "pino";
import { BallotBook } from "./ballots/book.ts";
import { MeterBook } from "./meters/book.ts";
import { adminBallotRoutes } from "./http/admin-ballots.ts";
import { apiRoutes } from "./http/api.ts";
import { decodeEntry, gatewayStateTopic, parseTopic } from "../firmware/protocol/index.ts";
import { EmbeddedBroker } from "./broker/embedded.ts";
import { ExternalBroker } from "./broker/external.ts";
import type { BrokerLink } from "./broker/link.ts";
import { ConfigRecords } from "./config-record.ts";
import { CryptoPool } from "./crypto-pool.ts";
import type { GatewayConfig } from "./config.ts";
import { HealthBoard } from "./health.ts";
import { logRoutes } from "./http/log.ts";
import { buildHttpServer } from "./http/server.ts";
import { Ingest } from "./ingest.ts";
import { loadOrCreateGatewayKey, type GatewayKey } from "./key.ts";
import { BlobStore } from "./ledger/blobs.ts";
import { Ledger } from "./ledger/ledger.ts";
import { openDatabase, type Db } from "./ledger/store.ts";
import { GatewayMetrics } from "./metrics.ts";
import { Registry } from "./registry.ts";
import { RejectStore } from "./rejects.ts";
import { ScanCycle, type CycleLogic } from "./scan.ts";
import { Verifier } from "./verify.ts";

export const DATABASE_FILE = "gateway.db";

export interface Gateway {
  readonly config: GatewayConfig;
  readonly key: GatewayKey;
  readonly db: Db;
  readonly ledger: Ledger;
  /** Off-chain files beside the log (rolls), served at /log/blob. */
  readonly blobs: BlobStore;
  readonly registry: Registry;
  readonly rejects: RejectStore;
  readonly health: HealthBoard;
  readonly configRecords: ConfigRecords;
  readonly metrics: GatewayMetrics;
  readonly scan: ScanCycle;
  readonly broker: BrokerLink;
  /** Rolls, ballots, rule 9 for votes, tallies. */
  readonly ballots: BallotBook;
  /** Readings, rule 9 for readings, energy, rollups. */
  readonly meters: MeterBook;
  readonly http: FastifyInstance;
  readonly httpUrl: string;
  readonly mqttUrl: string;
  stop(): Promise<void>;
}

/** The running parts an extension builds on (before the scan cycle starts and the HTTP server listens). */
export type GatewayParts = Omit<Gateway, "http" | "httpUrl" | "stop">;

/** What an extension adds: scan-cycle logic, admin routes (under /admin, token-checked), public routes. */
export interface GatewayExtension {
  readonly logic?: readonly CycleLogic[];
  readonly adminRoutes?: readonly FastifyPluginAsync[];
  readonly routes?: readonly FastifyPluginAsync[];
}

export interface StartOptions {
  /** Rule-9 logic and per-cycle records (issue 7: ballots, meters). */
  readonly logic?: readonly CycleLogic[];
  /** Called once the parts exist, before the first scan cycle: ballots, meters, dashboard plug in here. */
  readonly extend?: (parts: GatewayParts) => GatewayExtension | Promise<GatewayExtension>;
  readonly log?: (line: string) => void;
  /** Structured JSON logs (pino): events with their fields; `log` lines go to it too when `log` is not given. */
  readonly logger?: Logger;
  /** Process-wide metrics (CPU, memory) in the registry; off for gateways started inside tests. */
  readonly processMetrics?: boolean;
}

export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<Gateway> {
  const logger = options.logger;
  const log = options.log ?? (logger ? (line: string) => logger.info(line) : () => {});
  const event = logger ? (name: string, fields: Record<string, unknown>) => logger.info(fields, name) : (name: string, fields: Record<string, unknown>) => log(`${name} ${JSON.stringify(fields)}`);
  const key = loadOrCreateGatewayKey(config.dataDir, config.keyName);
  const dbPath = join(config.dataDir, DATABASE_FILE);
  const db = openDatabase(dbPath);
  // It holds the devices' password hashes: owner only, with its WAL files.
  for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
  const stack: (() => unknown)[] = [() => db.close()];
  const unwind = async () => {
    for (const close of stack.reverse()) await close();
  };
  try {
    const ledger = Ledger.open(db, key);
    const metrics = new GatewayMetrics({ processMetrics: options.processMetrics });
    const rejects = new RejectStore(db);
    rejects.onReject((r) => {
      metrics.rejects.inc({ reason: r.reason });
      const topic = parseTopic(r.topic);
      metrics.messages.inc({ type: topic?.kind === "device" ? topic.channel : "unknown", outcome: r.reason });
    });
    const health = new HealthBoard(db);
    const configRecords = new ConfigRecords(db);
    const lastAt = () => (ledger.size === 0 ? 0 : decodeEntry(ledger.entry(ledger.size - 1)).at);
    const configLeaf = configRecords.ensure(ledger, key, config.admins, Math.max(Date.now(), lastAt()));
    if (configLeaf !== null) log(`committed the config record at leaf ${configLeaf} (${config.admins.length} administrator keys)`);
    const registry = new Registry(db, {
      site: config.site,
      key,
      reservedNames: () => [key.name, ...configRecords.latestAdmins().map((a) => a.kid)],
    });
    const verifier = new Verifier(registry);
    const pool =
      config.cryptoThreads > 0
        ? new CryptoPool(config.cryptoThreads, { verify: (work) => verifier.checkLocally(work), sign: (m) => key.sign(m) }, { signer: { dataDir: config.dataDir, name: key.name } }, log)
        : undefined;
    if (pool !== undefined) stack.push(() => pool.close());
    const ingest = new Ingest({ verifier, devices: registry, rejects, health, metrics, pool });

    let embedded: EmbeddedBroker | undefined;
    let broker: BrokerLink;
    if (config.broker.url !== undefined) {
      broker = await ExternalBroker.connect({ url: config.broker.url, site: config.site, password: config.brokerPassword });
    } else {
      embedded = await EmbeddedBroker.start({
        host: config.mqtt.host,
        port: config.mqtt.port,
        site: config.site,
        account: (id) => registry.account(id),
        gatewayPassword: config.brokerPassword,
        log,
      });
      broker = embedded;
    }
    stack.push(() => broker.close());

    const scan = new ScanCycle({
      db,
      ledger,
      key,
      ingest,
      devices: registry,
      link: broker,
      rejects,
      health,
      metrics,
      periodMs: config.scanCycleMs,
      lastAt: lastAt(),
      logic: options.logic,
      sign: pool ? (messages) => pool.sign(messages) : undefined,
      log,
    });
    registry.attach((kind, cose, apply) => scan.commitRecord(kind, cose, apply));
    registry.onChange((device) => {
      verifier.forget(device.id);
      pool?.forget(device.id);
      if (device.status === "revoked") embedded?.disconnect(device.id);
    });
    const blobs = BlobStore.open(config.dataDir);
    const ballots = new BallotBook({
      db,
      key,
      blobs,
      site: config.site,
      admins: () => configRecords.latestAdmins(),
      commit: (kind, cose, apply) => scan.commitRecord(kind, cose, apply),
      publish: (topic, payload, retain) => broker.publish(topic, payload, retain),
      log: event,
    });
    const meters = new MeterBook({ db, key, site: config.site, log: event });
    scan.use(ballots);
    scan.use(meters);
    scan.use({ committed: (accepted) => accepted.forEach((a) => metrics.messages.inc({ type: a.message.payload.t, outcome: "accepted" })) });
    metrics.clientCount = () => embedded?.connectedClients ?? 0;
    metrics.ballotCount = () => {
      const counts: Record<string, number> = { scheduled: 0, open: 0, closed: 0 };
      for (const id of ballots.ids()) counts[ballots.status(id)!]++;
      return counts;
    };
    const parts: GatewayParts = { config, key, db, ledger, blobs, registry, rejects, health, configRecords, metrics, scan, broker, ballots, meters, mqttUrl: broker.url };
    const extension = (await options.extend?.(parts)) ?? {};
    for (const logic of extension.logic ?? []) scan.use(logic);

    metrics.logSize.set(ledger.size);
    scan.start();
    stack.push(() => scan.stop());
    await broker.subscribe((topic, payload) => ingest.receive(topic, payload));
    await ballots.republish();
    await broker.publish(gatewayStateTopic(config.site), "online", true);

    const http = await buildHttpServer({
      plugins: [
        { plugin: logRoutes as never, options: { ledger, blobs } },
        { plugin: apiRoutes({ site: config.site, key, ledger, ballots, meters, registry, health, rejects, metrics }) as never },
        ...(extension.routes ?? []).map((plugin) => ({ plugin: plugin as never }))],
      admin: { tokens: config.adminTokens, registry, health, rejects, routes: [adminBallotRoutes({ ballots, meters, registry, health, rejects }), ...(extension.adminRoutes ?? [])] },
    });
    const address = await http.listen({ host: config.http.host, port: config.http.port });
    stack.push(() => http.close());

    let stopped = false;
    return {
      config,
      key,
      db,
      ledger,
      blobs,
      registry,
      rejects,
      health,
      configRecords,
      metrics,
      scan,
      broker,
      ballots,
      meters,
      http,
      httpUrl: address,
      mqttUrl: broker.url,
      async stop() {
        if (stopped) return;
        stopped = true;
        await http.close();
        // Devices hold their outboxes while the gateway is offline (§5); then one last cycle commits and acks what is in the inbox.
        await broker.publish(gatewayStateTopic(config.site), "offline", true).catch(() => {});
        await scan.nextCycle();
        scan.stop();
        await scan.answered();
        await broker.close();
        await pool?.close();
        db.close();
      },
    };
  } catch (e) {
    await unwind();
    throw e;
  }
}
