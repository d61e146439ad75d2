// The gateway's Prometheus metrics, as a PLC shows its scan: cycle time,
// batch size, overruns; plus what came in and why it was refused. One
// registry per gateway, served at /metrics by the HTTP server.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { REJECT_REASONS } from "../firmware/protocol/index.ts";

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly cycleSeconds: Histogram;
  readonly batchSize: Histogram;
  readonly overruns: Counter;
  readonly committed: Counter<"kind">;
  readonly rejects: Counter<"reason">;
  readonly acks: Counter<"answer">;
  readonly logSize: Gauge;
  readonly pending: Gauge;
  /** Device messages by type and outcome (`accepted`, or the §6 reason of a refusal). */
  readonly messages: Counter<"type" | "outcome">;
  readonly brokerClients: Gauge;
  readonly ballots: Gauge<"status">;
  /** Counts the broker's connected clients when /metrics is read (set by whoever owns the broker). */
  clientCount: () => number = () => 0;
  /** Ballots per status when /metrics is read. */
  ballotCount: () => Record<string, number> = () => ({});

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.cycleSeconds = new Histogram({
      name: "signet_scan_cycle_seconds",
      help: "Time a scan cycle took, from draining inputs to publishing acks",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.batchSize = new Histogram({
      name: "signet_scan_batch_messages",
      help: "Messages drained by one scan cycle",
      buckets: [0, 1, 10, 100, 500, 1000, 2000, 5000, 10000],
      registers,
    });
    this.overruns = new Counter({ name: "signet_scan_overruns_total", help: "Scan cycles that took longer than their period", registers });
    this.committed = new Counter({ name: "signet_committed_entries_total", help: "Entries appended to the log, by kind", labelNames: ["kind"], registers });
    this.rejects = new Counter({ name: "signet_rejects_total", help: "Messages refused, by PROTOCOL §6 reason", labelNames: ["reason"], registers });
    for (const reason of REJECT_REASONS) this.rejects.inc({ reason }, 0);
    this.acks = new Counter({ name: "signet_answers_total", help: "Signed answers published to devices", labelNames: ["answer"], registers });
    this.logSize = new Gauge({ name: "signet_log_size", help: "Entries in the log (the latest checkpoint's size)", registers });
    this.pending = new Gauge({ name: "signet_scan_pending_messages", help: "Verified messages waiting for the next scan cycle", registers });
    this.messages = new Counter({ name: "signet_messages_total", help: "Device messages by type and outcome (accepted, or the reason refused)", labelNames: ["type", "outcome"], registers });
    const metrics = this;
    this.brokerClients = new Gauge({
      name: "signet_broker_clients",
      help: "MQTT clients connected to the embedded broker",
      registers,
      collect() {
        this.set(metrics.clientCount());
      },
    });
    this.ballots = new Gauge({
      name: "signet_ballots",
      help: "Ballots by status (scheduled, open, closed)",
      labelNames: ["status"],
      registers,
      collect() {
        for (const [status, n] of Object.entries(metrics.ballotCount())) this.set({ status }, n);
      },
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
