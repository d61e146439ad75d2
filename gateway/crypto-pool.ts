// Signature work on worker threads: checking device signatures (rule 5, a
// P-256 verification is ~70 µs of CPU) and signing acks and nacks (Ed25519,
// ~30 µs). On the event loop they compete with the broker and the scan cycle;
// on threads they use the other cores (bench/gateway.bench.ts measures it).
// Work is batched per event-loop turn to keep message passing cheap. A thread
// that dies hands its work back to the event loop, so no message is ever left
// without a verdict and no answer without a signature.
import { Worker } from "node:worker_threads";
import { sigStructure } from "../firmware/protocol/index.ts";
import type { CryptoThreadData, SignatureRequest, ThreadAnswer, ThreadRequest } from "./crypto-thread.ts";
import type { SignatureWork } from "./verify.ts";

type Verified = (problem: string | null) => void;

type Job =
  | { readonly kind: "verify"; readonly items: readonly { readonly work: SignatureWork; readonly done: Verified }[] }
  | { readonly kind: "sign"; readonly messages: readonly Uint8Array[]; readonly done: (signatures: Uint8Array[]) => void };

interface Thread {
  readonly worker: Worker;
  /** Jobs sent, in order: a thread answers in order. */
  readonly jobs: Job[];
}

/** What the pool does itself when no thread is left. */
export interface LocalCrypto {
  verify(work: SignatureWork): string | null;
  sign(message: Uint8Array): Uint8Array;
}

// Worker threads do not inherit tsx's loader: each registers it before importing the TypeScript entry.
const tsxApi = import.meta.resolve("tsx/esm/api");
const entry = new URL("./crypto-thread.ts", import.meta.url).href;
const BOOT = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;

export class CryptoPool {
  readonly #threads: Thread[] = [];
  readonly #local: LocalCrypto;
  readonly #log: (line: string) => void;
  #verifyQueue: { work: SignatureWork; done: Verified }[] = [];
  #scheduled = false;
  #next = 0;
  #closing = false;

  constructor(threads: number, local: LocalCrypto, data: CryptoThreadData, log: (line: string) => void = () => {}) {
    this.#local = local;
    this.#log = log;
    for (let i = 0; i < threads; i++) this.#spawn(data);
  }

  get threads(): number {
    return this.#threads.length;
  }

  /** Rule 5 for one message; `done` gets null when the signature verifies. */
  verify(work: SignatureWork, done: Verified): void {
    if (this.#threads.length === 0) return done(this.#local.verify(work));
    this.#verifyQueue.push({ work, done });
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** Ed25519 signatures by the gateway key over each message, in order. */
  sign(messages: readonly Uint8Array[]): Promise<Uint8Array[]> {
    if (messages.length === 0) return Promise.resolve([]);
    if (this.#threads.length === 0) return Promise.resolve(messages.map((m) => this.#local.sign(m)));
    return new Promise((resolve) => this.#send({ kind: "sign", messages, done: resolve }, { sign: messages }));
  }

  /** Drops a device's cached key in every thread (re-enrolment, revocation). */
  forget(deviceId: string): void {
    for (const t of this.#threads) t.worker.postMessage({ forget: deviceId } satisfies ThreadRequest);
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#threads.splice(0).map((t) => t.worker.terminate()));
  }

  #spawn(data: CryptoThreadData): void {
    const worker = new Worker(BOOT, { eval: true, workerData: data });
    const thread: Thread = { worker, jobs: [] };
    worker.on("message", (answer: ThreadAnswer) => {
      const job = thread.jobs.shift();
      if (job === undefined) return;
      if (job.kind === "verify" && "verified" in answer) job.items.forEach((item, i) => item.done(answer.verified[i]));
      else if (job.kind === "sign" && "signed" in answer) job.done(answer.signed.map((s) => new Uint8Array(s)));
    });
    const lost = (why: string) => {
      const index = this.#threads.indexOf(thread);
      if (index < 0) return;
      this.#threads.splice(index, 1);
      if (!this.#closing) this.#log(`crypto thread lost (${why}); its work goes back to the event loop`);
      for (const job of thread.jobs.splice(0)) this.#runLocally(job);
    };
    worker.on("error", (e) => lost(e.message));
    worker.on("exit", (code) => lost(`exit code ${code}`));
    // The gateway's servers keep the process alive; idle threads must not.
    worker.unref();
    this.#threads.push(thread);
  }

  #runLocally(job: Job): void {
    if (job.kind === "verify") for (const item of job.items) item.done(this.#local.verify(item.work));
    else job.done(job.messages.map((m) => this.#local.sign(m)));
  }

  #send(job: Job, request: ThreadRequest): void {
    if (this.#threads.length === 0) return this.#runLocally(job);
    const thread = this.#threads[this.#next++ % this.#threads.length];
    thread.jobs.push(job);
    thread.worker.postMessage(request);
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#verifyQueue;
    this.#verifyQueue = [];
    // Split the turn's work evenly over the threads.
    const share = Math.ceil(queue.length / Math.max(1, this.#threads.length));
    for (let start = 0; start < queue.length; start += share) {
      const items = queue.slice(start, start + share);
      const requests: SignatureRequest[] = items.map(({ work }) => ({
        id: work.device.id,
        alg: work.device.alg,
        pub: work.device.pub,
        signed: sigStructure(work.message.protectedBytes, work.message.payloadBytes),
        signature: work.message.signature,
      }));
      this.#send({ kind: "verify", items }, { verify: requests });
    }
  }
}
