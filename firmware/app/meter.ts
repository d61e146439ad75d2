// The meter sampler (DESIGN.md, Meter sampler; PROTOCOL §4.2). Per channel it
// keeps the cumulative count since provisioning; every interval it signs a
// reading of the pulses counted since the last one. Counting never stops: the
// pulse driver counts on its own, the sampler only reads it.
//
// Persistence, per channel under "mt" + channel: the count, the start of the
// open interval and the count at that start. It is written after each reading
// is queued (and each interval while the clock is not synchronised), so a power
// cut loses at most one interval's pulses and never counts one twice. A power
// cut between queuing a reading and writing the channel's record is recovered
// from the outbox: its latest reading of the channel is newer than the record.
import type { PulseInput } from "../drivers/interfaces";
import type { Clock } from "../hal/clock";
import type { Storage } from "../hal/storage";
import type { Timers, TimerHandle } from "../hal/timers";
import type { Reading } from "../protocol/index";
import type { MeterConfig } from "./config";
import type { Outbox } from "./outbox";

const MAX_INTERVAL = 86400;

interface Channel {
  readonly ch: number;
  readonly imp: number;
  readonly input: PulseInput;
  /** Cumulative count when the driver read `startRead`. */
  readonly base: number;
  readonly startRead: number;
  /** Start of the open interval (Unix seconds; 0 = none yet: the clock was not synchronised) and the count then. */
  from: number;
  fromCount: number;
  /** The count last written to storage. */
  persisted: number;
}

export interface MeterHost {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly outbox: Outbox;
  /** Signs and queues a reading; resolves false when it could not be signed. */
  submitReading(reading: Omit<Reading, "seq" | "dev" | "v" | "t" | "ts">): Promise<boolean>;
  onProblem(text: string): void;
}

export class MeterSampler {
  #host: MeterHost;
  #channels: Channel[] = [];
  #timer: TimerHandle | undefined;
  #busy = false;

  constructor(host: MeterHost, meters: readonly MeterConfig[], inputs: readonly PulseInput[]) {
    this.#host = host;
    for (const meter of meters) {
      const input = inputs.find((i) => i.channel === meter.ch);
      if (!input) {
        host.onProblem(`meter channel ${meter.ch} is configured but has no pulse input`);
        continue;
      }
      const stored = host.storage.get(`mt${meter.ch}`);
      let [count, from, fromCount] = typeof stored === "string" ? stored.split(",").map(Number) : [0, 0, 0];
      const last = host.outbox.lastReading(meter.ch);
      if (last && last.count > count) [count, from, fromCount] = [last.count, last.to, last.count];
      this.#channels.push({ ch: meter.ch, imp: meter.imp, input, base: count, startRead: input.read(), from, fromCount, persisted: count });
    }
  }

  start(intervalSeconds: number): void {
    if (this.#channels.length === 0) return;
    this.#timer = this.#host.timers.repeat(() => void this.sample(), intervalSeconds * 1000);
  }

  /** The clock was synchronised: an interval with no start begins now. */
  clockSynchronised(): void {
    const now = this.#host.clock.wallSeconds();
    for (const c of this.#channels) if (c.from === 0 || c.from > now) c.from = now;
  }

  /** Cumulative count of a channel now. */
  count(ch: number): number | undefined {
    const c = this.#channels.find((x) => x.ch === ch);
    return c ? this.#countOf(c) : undefined;
  }

  #countOf(c: Channel): number {
    return c.base + (c.input.read() - c.startRead);
  }

  /** One sampling round over every channel (the interval timer calls it). */
  async sample(): Promise<void> {
    if (this.#busy) return; // a slow signature overran the interval; the next round covers these pulses
    this.#busy = true;
    try {
      for (const c of this.#channels) await this.#sampleChannel(c);
    } finally {
      this.#busy = false;
    }
  }

  async #sampleChannel(c: Channel): Promise<void> {
    const { clock, outbox } = this.#host;
    const count = this.#countOf(c);
    if (!clock.synchronised) return this.#persist(c, count);
    const now = clock.wallSeconds();
    if (c.from === 0 || c.from > now) c.from = now; // first synchronisation, or the clock stepped back
    if (now <= c.from) return this.#persist(c, count);
    if (now - c.from > MAX_INTERVAL) c.from = now - MAX_INTERVAL; // after a long outage: the count keeps the energy exact
    if (!outbox.hasRoomForReading()) {
      // Coalesce: leave this interval open so the next reading covers it with an exact d.
      if (now - c.from < MAX_INTERVAL) return this.#persist(c, count);
      if (!outbox.evictOldestReading(c.ch)) return this.#persist(c, count);
    }
    const ok = await this.#host.submitReading({ ch: c.ch, count, d: count - c.fromCount, imp: c.imp, from: c.from, to: now });
    if (!ok) return this.#persist(c, count);
    c.from = now;
    c.fromCount = count;
    this.#write(c, count);
  }

  #persist(c: Channel, count: number): void {
    if (count !== c.persisted) this.#write(c, count);
  }

  #write(c: Channel, count: number): void {
    this.#host.storage.set(`mt${c.ch}`, `${count},${c.from},${c.fromCount}`);
    c.persisted = count;
  }

  /** Orderly stop (reboot, provisioning): the counts are written so no pulse is lost. */
  stop(): void {
    this.#host.timers.clear(this.#timer);
    this.#timer = undefined;
    for (const c of this.#channels) this.#persist(c, this.#countOf(c));
  }
}
