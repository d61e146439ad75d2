// The running device: voting session, meter sampler, outbox and uplink wired
// to the services and parts. Data flows one way: input → session/sampler →
// sign → outbox → uplink → broker; gateway answers come back through the
// uplink, are verified with the provisioned gateway key, and leave the outbox.
import {
  openMessage,
  prepareVerifyKey,
  type VerifyKey,
  ProtocolError,
  PROTOCOL_VERSION,
  MAX_DEVICE_MESSAGE,
  type AuthMethod,
  type DeviceMessage,
  type Reading,
} from "../protocol/index";
import type { SecureKey } from "../drivers/interfaces";
import { parseBrokerUrl } from "../hal/mqtt";
import type { Services } from "../hal/services";
import type { TimerHandle } from "../hal/timers";
import { BallotBook } from "./ballots";
import type { DeviceConfig } from "./config";
import { MeterSampler } from "./meter";
import { Outbox } from "./outbox";
import type { Parts } from "./parts";
import { Sequence } from "./sequence";
import { VotingSession, type CastResult } from "./session";
import { signDeviceMessage } from "./signer";
import { Uplink } from "./uplink";
import { VoterRoll } from "./voters";
import { WORDS } from "./words";

export interface KioskOptions {
  readonly fw: string;
  /**
   * Window of the precomputed table kept for the gateway's key (0: none).
   * Checking every answer gets ~2.5× faster for 2^(w−1)·⌈253/w + 1⌉ curve
   * points of memory: the simulator's fleets use it, a board without PSRAM not.
   */
  readonly verifyTableWindow?: number;
  /** Writes a line for the technician (the serial console). */
  log(text: string): void;
}

export class Kiosk {
  readonly config: DeviceConfig;
  readonly outbox: Outbox;
  readonly ballots: BallotBook;
  readonly voters: VoterRoll;
  readonly sequence: Sequence;
  readonly uplink: Uplink;
  readonly sampler: MeterSampler;
  readonly session: VotingSession | undefined;
  #services: Services;
  #parts: Parts;
  #key: SecureKey;
  #options: KioskOptions;
  /** The gateway's key decoded once (and its table built), for the key in the configuration. */
  #gatewayKey: VerifyKey | undefined;
  #status: TimerHandle | undefined;
  #minute: TimerHandle | undefined;
  #signing: Promise<unknown> = Promise.resolve();
  readonly #bootMs: number;

  constructor(services: Services, parts: Parts, key: SecureKey, config: DeviceConfig, options: KioskOptions) {
    this.#services = services;
    this.#parts = parts;
    this.#key = key;
    this.#options = options;
    this.config = config;
    this.#bootMs = services.timers.now();
    const { storage, timers, clock } = services;
    this.sequence = new Sequence(storage);
    this.outbox = new Outbox(storage);
    this.ballots = new BallotBook(storage);
    this.voters = new VoterRoll(storage);
    const broker = parseBrokerUrl(config.broker);
    this.uplink = new Uplink(
      services.mqtt,
      timers,
      this.outbox,
      { site: config.site, dev: config.dev, host: broker.host, port: broker.port, password: config.mqttPassword },
      {
        onAnswer: (bytes) => this.#answer(bytes),
        onBallot: (id, bytes) => this.#ballot(id, bytes),
        onLinkChange: () => this.session?.refresh(),
        log: (text) => options.log(text),
      },
    );
    this.sampler = new MeterSampler(
      {
        storage,
        clock,
        timers,
        outbox: this.outbox,
        submitReading: (r) => this.#submitReading(r),
        onProblem: (text) => options.log(text),
      },
      config.meters,
      parts.pulses,
    );
    if (parts.keypad && parts.buttons) {
      const kiosk = this;
      this.session = new VotingSession({
        display: services.display,
        indicators: services.indicators,
        timers,
        voters: this.voters,
        ballots: this.ballots,
        fingerprint: parts.fingerprint,
        auth: () => config.auth,
        stepSeconds: () => config.stepSeconds,
        receiptSeconds: () => config.receiptSeconds,
        openBallots: () => kiosk.ballots.open(clock.wallSeconds(), clock.synchronised),
        hasRoomForVote: () => kiosk.outbox.votes < kiosk.outbox.capacity,
        linkLine: () => kiosk.#linkLine(),
        castVote: (ballot, choice, voter, auth) => kiosk.#castVote(ballot, choice, voter, auth),
      });
    }
  }

  start(): void {
    const { clock, timers } = this.#services;
    clock.onSync = () => {
      this.sampler.clockSynchronised();
      this.session?.refresh();
    };
    if (this.session) {
      const session = this.session;
      this.#parts.keypad!.onKey = (label) => session.key(label);
      this.#parts.buttons!.onPress = (name) => session.button(name);
      session.start();
    } else this.#services.display.show([WORDS.welcome, this.config.dev, "", ""]);
    this.sampler.start(this.config.intervalSeconds);
    this.uplink.start();
    this.#status = timers.repeat(() => void this.#sendStatus(), this.config.statusSeconds * 1000);
    // Ballots open and close with the clock: the idle screen is looked at again every 15 s.
    this.#minute = timers.repeat(() => this.session?.refresh(), 15_000);
    this.#options.log(`running as ${this.config.dev} at ${this.config.site}; ${this.outbox.size} queued; next seq ${this.sequence.peek}`);
  }

  /** Orderly stop: timers cleared, meter counts written, the broker told goodbye. */
  stop(): void {
    this.#services.timers.clear(this.#status);
    this.#services.timers.clear(this.#minute);
    this.session?.stop();
    this.sampler.stop();
    this.uplink.stop();
    if (this.#parts.keypad) this.#parts.keypad.onKey = undefined;
    if (this.#parts.buttons) this.#parts.buttons.onPress = undefined;
    this.#services.clock.onSync = undefined;
  }

  #linkLine(): string {
    if (this.uplink.state !== "connected") return this.outbox.votes ? `${WORDS.noLink}: ${this.outbox.votes} queued` : WORDS.noLink;
    if (!this.uplink.flowing) return WORDS.gatewayOffline;
    return "";
  }

  /** Signs with the device key, one signature at a time (a secure element does one command at once). */
  #sign(payload: DeviceMessage): Promise<Uint8Array> {
    const result = this.#signing.then(() => signDeviceMessage(this.#key, payload));
    this.#signing = result.catch(() => undefined);
    return result;
  }

  #common(): { v: 1; dev: string; seq: number; ts: number } {
    const { clock } = this.#services;
    return { v: PROTOCOL_VERSION, dev: this.config.dev, seq: this.sequence.take(), ts: clock.synchronised ? clock.wallSeconds() : 0 };
  }

  async #castVote(ballot: string, choice: string, voter: string, auth: AuthMethod): Promise<CastResult> {
    if (!this.outbox.makeRoomForVote()) return "full";
    let bytes: Uint8Array;
    try {
      bytes = await this.#sign({ ...this.#common(), t: "vote", ballot, choice, voter, auth });
    } catch (e) {
      this.#options.log(`vote not signed: ${String(e)}`);
      return "failed";
    }
    if (!this.outbox.makeRoomForVote()) return "full";
    let queued;
    try {
      queued = this.outbox.put(bytes);
    } catch (e) {
      this.#options.log(`vote not stored: ${String(e)}`);
      return "failed";
    }
    this.uplink.flush();
    return { seq: queued.seq, flowing: this.uplink.flowing };
  }

  async #submitReading(r: Omit<Reading, "seq" | "dev" | "v" | "t" | "ts">): Promise<boolean> {
    let bytes: Uint8Array;
    try {
      bytes = await this.#sign({ ...this.#common(), t: "reading", ...r });
    } catch (e) {
      this.#options.log(`reading not signed: ${String(e)}`);
      return false;
    }
    if (!this.outbox.hasRoomForReading()) return false;
    try {
      this.outbox.put(bytes);
    } catch (e) {
      this.#options.log(`reading not stored: ${String(e)}`);
      return false;
    }
    this.uplink.flush();
    return true;
  }

  async #sendStatus(): Promise<void> {
    if (this.uplink.state !== "connected") return;
    const heap = this.#services.heapFree?.();
    const up = Math.floor((this.#services.timers.now() - this.#bootMs) / 1000);
    try {
      const status: DeviceMessage =
        heap === undefined
          ? { ...this.#common(), t: "status", fw: this.#options.fw, up, outbox: this.outbox.size }
          : { ...this.#common(), t: "status", fw: this.#options.fw, up, outbox: this.outbox.size, heap };
      this.uplink.publishUntracked("status", await this.#sign(status));
    } catch (e) {
      this.#options.log(`status not sent: ${String(e)}`);
    }
  }

  #answer(bytes: Uint8Array): void {
    const gateway = this.config.gateway!;
    if (this.#gatewayKey?.publicKey !== gateway.pub) this.#gatewayKey = prepareVerifyKey(gateway.alg, gateway.pub, this.#options.verifyTableWindow ?? 0);
    let payload;
    try {
      const opened = openMessage(bytes, { publicKey: this.#gatewayKey, alg: gateway.alg, maxSize: MAX_DEVICE_MESSAGE, allowed: ["ack", "nack"] });
      if (opened.message.kid !== gateway.kid) throw new ProtocolError("bad-header", `answer signed by ${opened.message.kid}, not ${gateway.kid}`);
      payload = opened.payload;
    } catch (e) {
      this.#options.log(`answer ignored: ${e instanceof ProtocolError ? `${e.reason}: ${e.message}` : String(e)}`);
      return;
    }
    if (payload.dev !== this.config.dev) return this.#options.log(`answer for ${payload.dev} ignored`);
    const answered = this.outbox.remove(payload.seq);
    if (!answered) return; // answered before (a re-sent ack), or a status nack
    this.uplink.answered(answered);
    if (payload.t === "nack") this.#options.log(`seq ${payload.seq} refused: ${payload.reason}`);
    if (answered.type === "vote") this.session?.answer(payload.seq, payload.t === "ack" ? { code: payload.code } : { reason: payload.reason });
  }

  #ballot(id: string, bytes: Uint8Array): void {
    const verdict = this.ballots.receive(id, bytes, this.config.admins);
    if (verdict.kept) {
      this.#options.log(`ballot ${id} rev ${verdict.ballot.rev} kept`);
      this.session?.refresh();
    } else this.#options.log(`ballot ${id} ignored: ${verdict.why}`);
  }
}
