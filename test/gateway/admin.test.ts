// The admin API: tokens, schema errors that name the field, and enrolment
// refusals of PROTOCOL §8 (bad keys, an id equal to a key name).
import { randomBytes } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeEntry, decodeSign1, parsePayload, publicKeyOf, toHex, verifySign1 } from "../../firmware/protocol/index.ts";
import { SITE, testGateway } from "./devices.ts";

let gateway: Awaited<ReturnType<typeof testGateway>>;

beforeAll(async () => {
  gateway = await testGateway({ SIGNET_KEY_NAME: "gw-main" });
});

afterAll(async () => {
  await gateway.stop();
});

async function call(method: "GET" | "POST", path: string, body?: unknown, token: string | null = gateway.token): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${gateway.httpUrl}/admin${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

function enrolment(overrides: Record<string, unknown> = {}) {
  return { id: `kiosk-${randomBytes(3).toString("hex")}`, site: SITE, alg: "EdDSA", pub: toHex(publicKeyOf(-8, randomBytes(32))), password: "correct-horse-battery", ...overrides };
}

describe("tokens", () => {
  it("no token is 401, a wrong token is 403, the data directory's token is accepted", async () => {
    expect((await call("GET", "/devices", undefined, null)).status).toBe(401);
    expect(await call("GET", "/devices", undefined, "x".repeat(43))).toMatchObject({ status: 403, json: { error: expect.stringMatching(/not an admin token/) } });
    expect((await call("GET", "/devices")).status).toBe(200);
  });
});

describe("enrolment", () => {
  it("commits a device record signed by the gateway key and lists the device", async () => {
    const request = enrolment();
    const { status, json } = await call("POST", "/devices", request);
    expect(status).toBe(201);
    const entry = decodeEntry(gateway.ledger.entry(json.device.leaf));
    expect(entry.k).toBe("device");
    const signed = decodeSign1(entry.cose);
    verifySign1(signed, gateway.key.publicKey, -8);
    expect(signed.kid).toBe("gw-main");
    expect(parsePayload(signed.payload, ["device"])).toMatchObject({ dev: request.id, site: SITE, alg: -8, status: "active" });
    const list = await call("GET", "/devices");
    expect(list.json.devices.find((d: { id: string }) => d.id === request.id)).toMatchObject({ alg: "EdDSA", pub: request.pub, status: "active" });
  });

  it("a missing or malformed field is refused with the field named", async () => {
    const { password: _, ...noPassword } = enrolment();
    expect(await call("POST", "/devices", noPassword)).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^body\.password: /) } });
    expect(await call("POST", "/devices", enrolment({ pub: "zz" }))).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^body\.pub: /) } });
    expect(await call("POST", "/devices", enrolment({ alg: "RS256" }))).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^body\.alg: .*ES256, EdDSA/) } });
    expect(await call("POST", "/devices", enrolment({ colour: "red" }))).toMatchObject({ status: 400, json: { error: "body.colour: is not a known field" } });
  });

  it("refuses an Ed25519 key of small order and one of mixed order", async () => {
    const identity = ed25519.Point.ZERO.toBytes();
    expect(await call("POST", "/devices", enrolment({ pub: toHex(identity) }))).toMatchObject({ status: 400, json: { error: "pub: Ed25519 public key has small order" } });
    // A real key plus a point of order 8: the torsion part makes verification differ between cofactored and cofactorless checks.
    const torsion = ed25519.Point.fromBytes(Uint8Array.from(Buffer.from("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "hex")));
    const mixed = ed25519.Point.fromBytes(publicKeyOf(-8, randomBytes(32))).add(torsion).toBytes();
    expect(await call("POST", "/devices", enrolment({ pub: toHex(mixed) }))).toMatchObject({ status: 400, json: { error: "pub: Ed25519 public key has mixed order" } });
  });

  it("refuses a P-256 point that is not on the curve", async () => {
    const pub = publicKeyOf(-7, randomBytes(32));
    pub[64] ^= 1;
    expect(await call("POST", "/devices", enrolment({ alg: "ES256", pub: toHex(pub) }))).toMatchObject({
      status: 400,
      json: { error: "pub: P-256 public key is not a point on the curve" },
    });
  });

  it("refuses a device id equal to the gateway's key name, another site, and an id already enrolled", async () => {
    expect(await call("POST", "/devices", enrolment({ id: "gw-main" }))).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^id: .*key name/) } });
    expect(await call("POST", "/devices", enrolment({ site: "elsewhere" }))).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^site: /) } });
    const request = enrolment();
    expect((await call("POST", "/devices", request)).status).toBe(201);
    expect(await call("POST", "/devices", { ...request, pub: toHex(publicKeyOf(-8, randomBytes(32))) })).toMatchObject({ status: 409 });
  });

  it("revocation commits a revoked device record; an unknown id is 404", async () => {
    const request = enrolment();
    await call("POST", "/devices", request);
    const { status, json } = await call("POST", `/devices/${request.id}/revoke`);
    expect(status).toBe(200);
    expect(json.device.status).toBe("revoked");
    const record = parsePayload(decodeSign1(decodeEntry(gateway.ledger.entry(json.device.leaf)).cose).payload, ["device"]);
    expect(record).toMatchObject({ dev: request.id, status: "revoked" });
    expect(await call("POST", "/devices/kiosk-nobody/revoke")).toMatchObject({ status: 404, json: { error: expect.stringMatching(/not enrolled/) } });
  });
});
