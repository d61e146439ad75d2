// A crypto thread: checks batches of device signatures (rule 5) and signs
// batches of the gateway's answers, with node:crypto, off the event loop that
// runs the broker and the scan cycle. It keeps its own parsed device keys and
// reads the gateway key from the data directory, as the main thread does.
import { parentPort, workerData } from "node:worker_threads";
import type { Alg } from "../firmware/protocol/index.ts";
import { loadOrCreateGatewayKey, type GatewayKey } from "./key.ts";
import { KeyCache, checkSignature } from "./verify.ts";

export interface SignatureRequest {
  readonly id: string;
  readonly alg: Alg;
  readonly pub: Uint8Array;
  readonly signed: Uint8Array;
  readonly signature: Uint8Array;
}

export interface CryptoThreadData {
  /** Where the gateway key lives; absent: this thread only verifies. */
  readonly signer?: { readonly dataDir: string; readonly name: string };
}

export type ThreadRequest =
  | { readonly verify: readonly SignatureRequest[] }
  | { readonly sign: readonly Uint8Array[] }
  | { readonly forget: string };

export type ThreadAnswer = { readonly verified: readonly (string | null)[] } | { readonly signed: readonly Uint8Array[] };

const keys = new KeyCache();
const data = workerData as CryptoThreadData;
const gatewayKey: GatewayKey | undefined = data.signer ? loadOrCreateGatewayKey(data.signer.dataDir, data.signer.name) : undefined;

parentPort!.on("message", (request: ThreadRequest) => {
  if ("forget" in request) {
    keys.forget(request.forget);
    return;
  }
  if ("sign" in request) {
    if (gatewayKey === undefined) throw new Error("this crypto thread has no gateway key");
    parentPort!.postMessage({ signed: request.sign.map((m) => gatewayKey.sign(m)) } satisfies ThreadAnswer);
    return;
  }
  const verified = request.verify.map((r) => {
    try {
      return checkSignature(r.alg, keys.get(r.id, r.alg, r.pub), r.signed, r.signature);
    } catch (e) {
      return `signature check failed: ${(e as Error).message}`;
    }
  });
  parentPort!.postMessage({ verified } satisfies ThreadAnswer);
});
