// The embedded MQTT broker (aedes): devices authenticate with their id and
// password, every publish and subscribe goes through the ACL of acl.ts, and
// the gateway reads uplinks in-process, with no socket in between.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type AddressInfo, type Server } from "node:net";
import { Aedes, type AuthenticateError, type Client } from "aedes";
import { checkPassword } from "./credentials.ts";
import { GATEWAY_USER, connectProblem, gatewayUplinkFilters, publishProblem, subscribeProblem, type Principal } from "./acl.ts";
import type { BrokerLink, UplinkListener } from "./link.ts";

/** What the broker needs to know to let a device in. */
export interface DeviceAccount {
  readonly site: string;
  readonly status: "active" | "revoked";
  /** scrypt hash (credentials.ts). */
  readonly passwordHash: string;
}

export interface EmbeddedBrokerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly site: string;
  readonly account: (deviceId: string) => DeviceAccount | undefined;
  /** The gateway's own credential, for its clients that connect over a socket (monitoring, a second process). */
  readonly gatewayPassword: string;
  readonly log?: (line: string) => void;
}

// CONNACK return codes of MQTT 3.1.1 §3.2.2.3.
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function authError(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

function digest(password: string | Buffer): Buffer {
  return createHash("sha256").update(password).digest();
}

export class EmbeddedBroker implements BrokerLink {
  url = "";
  port = 0;
  readonly #options: EmbeddedBrokerOptions;
  readonly #gatewayDigest: Buffer;
  readonly #principals = new WeakMap<Client, Principal>();
  // A device that reconnects with the password it used before skips scrypt: keyed by the stored hash, so re-enrolment invalidates it.
  readonly #verified = new Map<string, { stored: string; digest: Buffer }>();
  #aedes: Aedes | undefined;
  #server: Server | undefined;

  private constructor(options: EmbeddedBrokerOptions) {
    this.#options = options;
    this.#gatewayDigest = digest(options.gatewayPassword);
  }

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const broker = new EmbeddedBroker(options);
    await broker.#listen();
    return broker;
  }

  async #listen(): Promise<void> {
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => this.#authenticate(client, username, password, done),
      authorizePublish: (client, packet, callback) => {
        const problem = this.#publishProblem(client, packet.topic, packet.retain);
        callback(problem === null ? null : new Error(problem));
      },
      authorizeSubscribe: (client, subscription, callback) => {
        // A null subscription is a failure code (0x80) in the SUBACK, not a silent filter (§5).
        callback(null, this.#subscribeProblem(client, subscription.topic) === null ? subscription : null);
      },
    });
    const server = createServer(aedes.handle);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#options.port, this.#options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#aedes = aedes;
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
    const host = this.#options.host;
    this.url = `mqtt://${host.includes(":") ? `[${host}]` : host}:${this.port}`;
  }

  #authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const problem = connectProblem(client.id, username);
    if (problem !== null) return done(authError(username ? IDENTIFIER_REJECTED : NOT_AUTHORIZED, problem), false);
    const user = username as string;
    const given = digest(password ?? Buffer.alloc(0));
    if (user === GATEWAY_USER) {
      if (!timingSafeEqual(given, this.#gatewayDigest)) return done(authError(BAD_USERNAME_OR_PASSWORD, "wrong gateway credential"), false);
      this.#principals.set(client, { kind: "gateway", site: this.#options.site });
      return done(null, true);
    }
    const account = this.#options.account(user);
    if (account === undefined || account.status !== "active")
      return done(authError(BAD_USERNAME_OR_PASSWORD, `device ${user} is ${account ? "revoked" : "not enrolled"}`), false);
    const admit = () => {
      this.#principals.set(client, { kind: "device", id: user, site: account.site });
      done(null, true);
    };
    const cached = this.#verified.get(user);
    if (cached !== undefined && cached.stored === account.passwordHash && timingSafeEqual(cached.digest, given)) return admit();
    checkPassword(account.passwordHash, (password ?? Buffer.alloc(0)).toString("utf8")).then(
      (ok) => {
        if (!ok) return done(authError(BAD_USERNAME_OR_PASSWORD, `wrong password for device ${user}`), false);
        this.#verified.set(user, { stored: account.passwordHash, digest: given });
        admit();
      },
      (err: Error) => done(authError(NOT_AUTHORIZED, err.message), false),
    );
  }

  #publishProblem(client: Client | null, topic: string, retain: boolean): string | null {
    // client is null for the gateway's own in-process publishes.
    const who: Principal | undefined = client === null ? { kind: "gateway", site: this.#options.site } : this.#principals.get(client);
    const problem = who === undefined ? "client is not authenticated" : publishProblem(who, topic, retain);
    if (problem !== null) this.#options.log?.(`broker: refused a publish from ${client?.id}: ${problem}`);
    return problem;
  }

  #subscribeProblem(client: Client, filter: string): string | null {
    const who = this.#principals.get(client);
    const problem = who === undefined ? "client is not authenticated" : subscribeProblem(who, filter);
    if (problem !== null) this.#options.log?.(`broker: refused a subscription of ${client.id}: ${problem}`);
    return problem;
  }

  get #broker(): Aedes {
    if (this.#aedes === undefined) throw new Error("the embedded broker is not started");
    return this.#aedes;
  }

  /** Number of connected MQTT clients. */
  get connectedClients(): number {
    return this.#broker.connectedClients;
  }

  async subscribe(listener: UplinkListener): Promise<void> {
    const broker = this.#broker;
    await Promise.all(
      gatewayUplinkFilters(this.#options.site).map(
        (filter) =>
          new Promise<void>((resolve) =>
            broker.subscribe(
              filter,
              (packet, done) => {
                listener(packet.topic, packet.payload as Buffer);
                done();
              },
              resolve,
            ),
          ),
      ),
    );
  }

  publish(topic: string, payload: Uint8Array | string, retain: boolean): Promise<void> {
    const body = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    return new Promise((resolve, reject) =>
      this.#broker.publish({ cmd: "publish", topic, payload: body, qos: 1, retain, dup: false }, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Ends a device's session at once (after a revocation) and forgets its cached credential. */
  disconnect(deviceId: string): void {
    this.#verified.delete(deviceId);
    // aedes keeps connected clients by id; the map is not in its typings.
    const clients = (this.#broker as unknown as { clients: Record<string, Client | undefined> }).clients;
    clients[deviceId]?.close();
  }

  async close(): Promise<void> {
    const aedes = this.#aedes;
    const server = this.#server;
    this.#aedes = undefined;
    this.#server = undefined;
    if (aedes !== undefined) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
