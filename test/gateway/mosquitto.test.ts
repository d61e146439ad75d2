// Interop with a real Mosquitto (Debian package `mosquitto`): the gateway in
// external-broker mode, with the configuration `signet gateway mosquitto`
// generates. Devices authenticate at Mosquitto, the ACL keeps them to their
// own topics, and votes come back acked through it.
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeEntry, deviceTopic } from "../../firmware/protocol/index.ts";
import { mosquittoPasswordHash } from "../../gateway/broker/credentials.ts";
import { writeMosquittoFiles } from "../../gateway/broker/mosquitto.ts";
import { SITE, TestDevice, testGateway } from "./devices.ts";

const dir = mkdtempSync(join(tmpdir(), "signet-mosquitto-"));
let mosquitto: ChildProcess;
let port: number;
let gateway: Awaited<ReturnType<typeof testGateway>>;
const kiosk = new TestDevice("kiosk-m1", -7);
const other = new TestDevice("kiosk-m2", -8);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function writeConfig(devices: { id: string; site: string; hash: string }[], gatewayPassword: string): Promise<void> {
  const [conf] = writeMosquittoFiles({ site: SITE, host: "127.0.0.1", port, dir, devices, gatewayHash: await mosquittoPasswordHash(gatewayPassword) });
  // Run as root (CI containers), Mosquitto would switch to the user `mosquitto`, who cannot read a 0700 temp dir.
  if (userInfo().uid === 0) appendFileSync(conf, "user root\n");
}

/** Waits until Mosquitto accepts TCP connections. */
async function listening(): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  port = await freePort();
  const dataDir = join(dir, "gateway");
  // The gateway's MQTT credential comes from its data directory; write the broker's files for it before either starts.
  const { loadConfig } = await import("../../gateway/config.ts");
  const brokerPassword = loadConfig({ data: dataDir }, {}).brokerPassword;
  await writeConfig([], brokerPassword);
  mosquitto = spawn("mosquitto", ["-c", join(dir, "mosquitto.conf")], { stdio: "ignore" });
  await listening();
  gateway = await testGateway({ SIGNET_BROKER_URL: `mqtt://127.0.0.1:${port}` }, { dataDir });
  await kiosk.enrol(gateway);
  await other.enrol(gateway);
  await writeConfig(gateway.registry.mosquittoAccounts(), brokerPassword);
  // Mosquitto rereads its password and ACL files on SIGHUP.
  mosquitto.kill("SIGHUP");
  for (;;) {
    try {
      await kiosk.connect(`mqtt://127.0.0.1:${port}`, gateway.key.publicKey);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await other.connect(`mqtt://127.0.0.1:${port}`, gateway.key.publicKey);
});

afterAll(async () => {
  await kiosk.close();
  await other.close();
  await gateway?.stop();
  if (mosquitto && mosquitto.exitCode === null) {
    const exited = new Promise((r) => mosquitto.once("exit", r));
    mosquitto.kill("SIGTERM");
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("the gateway behind Mosquitto", () => {
  it("a device's vote travels through Mosquitto, is committed, and the signed ack comes back", async () => {
    const bytes = kiosk.vote("yes");
    await kiosk.publish(bytes);
    const ack = await kiosk.answer(kiosk.seq);
    expect(ack.t).toBe("ack");
    if (ack.t !== "ack") return;
    expect(Buffer.from(decodeEntry(gateway.ledger.entry(ack.leaf)).cose).equals(Buffer.from(bytes))).toBe(true);
  });

  it("Mosquitto's ACL drops a publish on another device's topic: nothing reaches the gateway", async () => {
    const size = gateway.ledger.size;
    const counts = gateway.rejects.counts();
    // Mosquitto 2 answers a denied QoS 1 publish with "not authorized" and drops the connection.
    const client = other.client!;
    await new Promise<void>((resolve) => {
      client.once("close", () => resolve());
      client.publish(deviceTopic(SITE, kiosk.id, "vote"), Buffer.from(other.vote("yes")), { qos: 1 }, () => resolve());
    });
    await other.close();
    await other.connect(`mqtt://127.0.0.1:${port}`, gateway.key.publicKey);
    // A message of its own afterwards: once it is acked, the foreign one would have arrived before it.
    await other.publish(other.vote("no"));
    expect(await other.answer(other.seq)).toMatchObject({ t: "ack" });
    expect(gateway.ledger.size).toBe(size + 1);
    expect(gateway.rejects.counts()).toEqual(counts);
  });

  it("refuses a client without credentials and a wrong password", async () => {
    for (const options of [{ clientId: "kiosk-m1" }, { clientId: "kiosk-m1", username: "kiosk-m1", password: "wrong-password" }]) {
      const code = await new Promise<number>((resolve) => {
        const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, ...options });
        client.once("connect", () => resolve(0));
        client.once("error", (e: Error & { code?: number }) => resolve(e.code ?? -1));
        client.once("close", () => client.end(true));
      });
      expect(code).not.toBe(0);
    }
  });
});
