// `signet msg`: the wire protocol at the command line, for technicians
// debugging a captured message and for outside conformance checks.
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import {
  MAX_DEVICE_MESSAGE,
  ProtocolError,
  cborFromJson,
  decodeCbor,
  decodeSign1,
  encodeCbor,
  fromHex,
  jsonFromCbor,
  parseAlg,
  parsePayload,
  parseTopic,
  publicKeyLength,
  signSign1,
  sizeLimit,
  toHex,
  verifySign1,
  type Alg,
  type CborValue,
  type Payload,
  type PayloadType,
  type Sign1,
  DEVICE_MESSAGE_TYPES,
  PAYLOAD_TYPES,
  MAX_BALLOT,
  algName,
} from "../firmware/protocol/index.ts";
import { CliError } from "./errors.ts";

export function msgCommand(): Command {
  const msg = new Command("msg").description("sign, verify and inspect COSE_Sign1 messages (PROTOCOL §2–§4)");

  msg
    .command("sign")
    .description("sign a payload and print the COSE_Sign1 message as hex")
    .addOption(new Option("--alg <alg>", "signature algorithm").choices(["ES256", "EdDSA"]).makeOptionMandatory())
    .requiredOption("--key <hex>", "private key: 32 bytes (P-256 scalar or Ed25519 seed)")
    .requiredOption("--kid <id>", "signer id (device id or key name)")
    .requiredOption("--payload <json>", 'payload as JSON: integers as numbers, text as strings, bytes as {"$hex": "…"}')
    .option("--raw", "sign the payload as given, without checking it against PROTOCOL §4 (for negative tests)")
    .action((opts: { alg: string; key: string; kid: string; payload: string; raw?: boolean }) => {
      const alg = parseAlg(opts.alg);
      const key = hexArg(opts.key, "--key");
      if (key.length !== 32) throw new CliError(`--key must be 32 bytes, got ${key.length}`);
      let json: unknown;
      try {
        json = JSON.parse(opts.payload);
      } catch (e) {
        throw new CliError(`--payload is not JSON: ${(e as Error).message}`);
      }
      let payloadBytes: Uint8Array;
      try {
        payloadBytes = encodeCbor(cborFromJson(json));
        if (!opts.raw) parsePayload(decodeCbor(payloadBytes));
      } catch (e) {
        if (e instanceof ProtocolError || e instanceof RangeError) throw new CliError(`--payload: ${e.message}`);
        throw e;
      }
      process.stdout.write(`${toHex(signSign1(alg, opts.kid, payloadBytes, key))}\n`);
    });

  msg
    .command("verify")
    .description("verify a message; print its payload as JSON (exit 0) or the PROTOCOL §6 reason code (exit 1)")
    .requiredOption("--pub <hex>", "public key: 65-byte uncompressed P-256 point or 32-byte Ed25519 key")
    .addOption(new Option("--alg <alg>", "registered algorithm (default: from the key length)").choices(["ES256", "EdDSA"]))
    .option("--topic <topic>", "the MQTT topic it arrived on: sets the size limit and checks site, device and type")
    .argument("<message>", "the message as hex, or - to read hex or raw bytes from stdin")
    .action((input: string, opts: { pub: string; alg?: string; topic?: string }) => {
      const pub = hexArg(opts.pub, "--pub");
      const alg: Alg = opts.alg ? parseAlg(opts.alg) : pub.length === 65 ? -7 : pub.length === 32 ? -8 : badKey(pub.length);
      if (pub.length !== publicKeyLength(alg)) throw new CliError(`--pub: ${algName(alg)} keys are ${publicKeyLength(alg)} bytes, got ${pub.length}`);
      const bytes = readMessage(input);
      try {
        const topic = opts.topic === undefined ? undefined : parseTopic(opts.topic);
        if (opts.topic !== undefined && !topic) throw new CliError(`--topic: ${JSON.stringify(opts.topic)} is not a Signet v1 topic`);
        const limit = topic ? (topic.kind === "ballot" ? MAX_BALLOT : MAX_DEVICE_MESSAGE) : guessLimit(bytes);
        const message = decodeSign1(bytes, limit);
        verifySign1(message, pub, alg);
        const payload = parsePayload(message.payload);
        checkSigner(message, payload);
        if (topic?.kind === "device") {
          if (payload.t !== topic.channel || !("dev" in payload) || payload.dev !== topic.dev)
            throw new ProtocolError("topic-mismatch", `topic ${opts.topic} does not match a ${payload.t} from ${"dev" in payload ? payload.dev : message.kid}`);
        }
        process.stdout.write(`${JSON.stringify(jsonFromCbor(message.payload), null, 2)}\n`);
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        process.stdout.write(`${e.reason}\n`);
        process.stderr.write(`signet: ${e.reason}: ${e.message}\n`);
        process.exitCode = 1;
      }
    });

  msg
    .command("inspect")
    .description("decode a message without a key: header, payload, sizes, and the first structural rule it breaks")
    .argument("<message>", "the message as hex, or - to read hex or raw bytes from stdin")
    .action((input: string) => {
      const bytes = readMessage(input);
      const report: { [key: string]: unknown } = { size: bytes.length };
      let message: Sign1 | undefined;
      try {
        message = decodeSign1(bytes);
        report.protected = { alg: `${message.alg} (${algName(message.alg)})`, kid: message.kid, bytes: message.protectedBytes.length };
        report.payload = jsonFromCbor(message.payload);
        report.payloadBytes = message.payloadBytes.length;
        report.signature = { hex: toHex(message.signature), bytes: message.signature.length };
        if (message.signature.length !== 64) throw new ProtocolError("bad-signature", `signature must be 64 bytes, got ${message.signature.length}`);
        const payload = parsePayload(message.payload);
        checkSigner(message, payload);
        if (bytes.length > sizeLimit(payload.t)) throw new ProtocolError("too-large", `a ${payload.t} may be at most ${sizeLimit(payload.t)} bytes, this is ${bytes.length}`);
        report.type = payload.t;
        report.verdict = "ok: well-formed (the signature is not checked without a key)";
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        if (!message) report.structure = describeRaw(bytes);
        report.verdict = `${e.reason}: ${e.message}`;
        process.exitCode = 1;
      }
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    });

  return msg;
}

/** A device message and an ack/nack name their device in `dev`, which must equal `kid` (§4, §8). */
function checkSigner(message: Sign1, payload: Payload): void {
  if ((DEVICE_MESSAGE_TYPES as readonly string[]).includes(payload.t) && "dev" in payload && payload.dev !== message.kid)
    throw new ProtocolError("topic-mismatch", `payload dev "${payload.dev}" differs from kid "${message.kid}"`);
}

/** Without a topic, the limit comes from the payload type when it can be read, else the device limit. */
function guessLimit(bytes: Uint8Array): number {
  try {
    const message = decodeSign1(bytes);
    const t = message.payload instanceof Map ? message.payload.get("t") : undefined;
    if (typeof t === "string" && (PAYLOAD_TYPES as readonly string[]).includes(t)) return sizeLimit(t as PayloadType);
  } catch {
    // The real decode reports what is wrong.
  }
  return MAX_DEVICE_MESSAGE;
}

function describeRaw(bytes: Uint8Array): unknown {
  try {
    return jsonFromCbor(decodeCbor(bytes.length > 0 && bytes[0] === 0xd2 ? bytes.subarray(1) : bytes) as CborValue);
  } catch (e) {
    return `not decodable: ${(e as Error).message}`;
  }
}

function badKey(length: number): never {
  throw new CliError(`--pub must be 65 bytes (P-256) or 32 bytes (Ed25519), got ${length}`);
}

function hexArg(value: string, what: string): Uint8Array {
  try {
    return fromHex(value.trim().replace(/^0x/i, ""), what);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

/** A message argument: hex, or `-` for stdin holding hex text or the raw bytes (as captured from MQTT). */
function readMessage(arg: string): Uint8Array {
  if (arg !== "-") return hexArg(arg, "message");
  const raw = new Uint8Array(readFileSync(0));
  const text = new TextDecoder().decode(raw).replace(/\s+/g, "");
  if (text.length > 0 && /^(0x)?[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0) return hexArg(text, "stdin");
  return raw;
}
