// Fleets: many metering devices, each with its own MQTT connection to the
// broker, answered by the stand-in gateway; the summary counts what was
// signed, published, acked and refused, with publish→ack latency.
import { createServer, type AddressInfo, type Server } from "node:net";
import { Aedes } from "aedes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSummary, parseSpeed, runFleet } from "../../simulator/fleet/fleet";

describe("a fleet of metering devices", () => {
  let aedes: Aedes;
  let server: Server;
  let url: string;
  const clients = new Set<string>();

  beforeAll(async () => {
    aedes = await Aedes.createBroker();
    aedes.on("client", (client) => clients.add(client.id));
    server = createServer(aedes.handle);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("30 devices on two sites each connect on their own, every reading of 20 minutes is acked, and a kiosk per site takes its voters' votes", async () => {
    const summary = await runFleet({ devices: 30, sites: 2, durationMs: 20 * 60_000, speed: "max", broker: url, seed: "fleet-test", kiosks: 1, votersPerKiosk: 3 });
    const devices = [...clients].filter((id) => id.startsWith("meter-"));
    expect(devices).toHaveLength(30);
    expect([...clients].filter((id) => id.startsWith("signet-sim-gateway-")).sort()).toEqual(["signet-sim-gateway-fleet-1", "signet-sim-gateway-fleet-2"]);
    // A reading per device per minute once the clock is synchronised: 19 or 20 each.
    expect(summary.acked).toBeGreaterThanOrEqual(30 * 19 + 2 * 3);
    expect(summary.rejected).toBe(0);
    expect(summary.votes).toBe(2 * 3);
    expect([...clients].filter((id) => id.startsWith("kiosk-")).sort()).toEqual(["kiosk-01-fleet-1", "kiosk-01-fleet-2"]);
    expect(summary.signed).toBeGreaterThanOrEqual(summary.acked);
    expect(summary.published).toBeGreaterThanOrEqual(summary.acked);
    expect(summary.latencyMeanMs).toBeGreaterThan(0);
    expect(summary.latencyP99Ms).toBeGreaterThanOrEqual(summary.latencyMeanMs);
    expect(summary.meterWh).toBeGreaterThan(0);
    const text = formatSummary(summary);
    expect(text).toMatch(/^fleet: 30 device\(s\) on 2 site\(s\), 0\.33 h simulated/);
    expect(text).toContain(`acked      ${summary.acked}`);
    expect(text).toContain("publish→ack latency: mean");
  });

  it("on the in-process link the same fleet needs no sockets, and its latency is the link's", async () => {
    const summary = await runFleet({ devices: 10, sites: 1, durationMs: 30 * 60_000, speed: "max", broker: "link", seed: "fleet-link" });
    expect(summary.acked).toBeGreaterThanOrEqual(10 * 29);
    expect(summary.rejected).toBe(0);
    expect(summary.latencyMeanMs).toBe(15); // publish, gateway's ack, delivery: three 5 ms hops of virtual time
  });

  it("speeds are max or a multiple of real time", () => {
    expect(parseSpeed("max")).toBe("max");
    expect(parseSpeed("x60")).toBe(60);
    expect(() => parseSpeed("fast")).toThrow('--speed must be max or xK (K × real time, e.g. x60), got "fast"');
  });
});
