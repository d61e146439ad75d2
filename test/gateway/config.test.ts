// Configuration: what a gateway with nothing configured does, how file,
// environment and flags combine, and errors that name the field and its source.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { publicKeyOf, toHex } from "../../firmware/protocol/index.ts";
import { ConfigError, loadConfig, resolveSettings } from "../../gateway/config.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "signet-config-"));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("with no configuration at all", () => {
  it("serves one site on 127.0.0.1 (HTTP 8080, MQTT 1883, 100 ms scan) and creates an admin token once, mode 0600", () => {
    const data = join(tempDir(), "data");
    const first = loadConfig({ data }, {});
    expect(first).toMatchObject({ site: "site", keyName: "signet.local/site", http: { host: "127.0.0.1", port: 8080 }, mqtt: { host: "127.0.0.1", port: 1883 }, scanCycleMs: 100, admins: [] });
    expect(first.createdAdminToken).toBeDefined();
    expect(first.adminTokens).toEqual([first.createdAdminToken]);
    expect(readFileSync(join(data, "admin-token"), "utf8").trim()).toBe(first.createdAdminToken);
    expect(statSync(join(data, "admin-token")).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, "broker-password")).mode & 0o777).toBe(0o600);
    const second = loadConfig({ data }, {});
    expect(second.createdAdminToken).toBeUndefined();
    expect(second.adminTokens).toEqual(first.adminTokens);
    expect(second.brokerPassword).toBe(first.brokerPassword);
  });
});

describe("layers", () => {
  it("a YAML file, overridden by SIGNET_ variables, overridden by flags", () => {
    const dir = tempDir();
    const adminPub = toHex(publicKeyOf(-8, new Uint8Array(32).fill(7)));
    writeFileSync(
      join(dir, "gateway.yaml"),
      `site: town-hall\nkeyName: signet.example.org/town-hall\nhttp: { port: 9000 }\nscanCycleMs: 250\nadmins:\n  - { kid: clerk, alg: EdDSA, pub: "${adminPub}" }\nadminTokens: [ "a-long-enough-admin-token" ]\n`,
    );
    const settings = resolveSettings({ config: join(dir, "gateway.yaml"), mqtt: 0 }, { SIGNET_SCAN_CYCLE_MS: "50", SIGNET_HTTP_PORT: "9100", SIGNET_LISTEN: "0.0.0.0" });
    expect(settings).toMatchObject({ site: "town-hall", keyName: "signet.example.org/town-hall", scanCycleMs: 50, http: { host: "0.0.0.0", port: 9100 }, mqtt: { host: "0.0.0.0", port: 0 } });
    expect(settings.admins).toEqual([{ kid: "clerk", alg: -8, pub: publicKeyOf(-8, new Uint8Array(32).fill(7)) }]);
    expect(settings.adminTokens).toEqual(["a-long-enough-admin-token"]);
  });

  it("reads JSON too, and an external broker URL", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "gateway.json"), JSON.stringify({ broker: { url: "mqtt://broker.example.org:1883" } }));
    expect(resolveSettings({ config: join(dir, "gateway.json") }, {}).broker.url).toBe("mqtt://broker.example.org:1883");
  });
});

describe("errors name the field and where it came from", () => {
  function problem(run: () => unknown): string {
    try {
      run();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error("expected a ConfigError");
  }

  it("an environment variable", () => {
    expect(problem(() => resolveSettings({}, { SIGNET_HTTP_PORT: "eighty" }))).toMatch(/http\.port \(from SIGNET_HTTP_PORT\): /);
  });

  it("a field of the file, an unknown key, a bad administrator key", () => {
    const dir = tempDir();
    const file = join(dir, "gateway.yaml");
    writeFileSync(file, `site: Town Hall\nlisten: everywhere\nadmins:\n  - { kid: clerk, alg: ES256, pub: "04aa" }\n`);
    const message = problem(() => resolveSettings({ config: file }, {}));
    expect(message).toMatch(/site \(from .*gateway\.yaml\): must be a site id/);
    expect(message).toMatch(/listen/);
    expect(message).toMatch(/admins\.0\.pub .*: must be 65 bytes, got 2/);
  });

  it("a flag, and a file that does not exist", () => {
    expect(problem(() => resolveSettings({ http: 70000 }, {}))).toMatch(/http\.port \(from --http\)/);
    expect(problem(() => resolveSettings({ config: "/nonexistent/gateway.yaml" }, {}))).toMatch(/cannot read the configuration file \/nonexistent\/gateway\.yaml/);
  });
});
