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
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
