// Checkpoints and the gateway key: our signed notes are byte-identical to the
// Go reference (golang.org/x/mod/sumdb/note's published PeterNeumann vector),
// our checkpoints follow C2SP tlog-checkpoint, and the key file is guarded.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { decodeSign1, signPayload, verifySign1, type ConfigRecord } from "../../firmware/protocol/index.ts";
import {
  checkpointBody,
  decodeBase64,
  openCheckpoint,
  openNote,
  parseCheckpointBody,
  parseVerifierKey,
  signCheckpoint,
  signNote,
} from "../../gateway/ledger/checkpoint.ts";
import { GATEWAY_KEY_FILE, gatewayKeyFromSeed, loadOrCreateGatewayKey } from "../../gateway/key.ts";

// golang.org/x/mod/sumdb/note note_test.go
const PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

/** The Go signer key is "PRIVATE+KEY+<name>+<id>+base64(0x01 ‖ seed)". */
function peterKey() {
  const material = decodeBase64(PETER_SKEY.split("+").slice(4).join("+"), "signer key");
  expect(material[0]).toBe(1);
  return gatewayKeyFromSeed("PeterNeumann", material.slice(1));
}

describe("signed notes match the Go reference byte for byte", () => {
  test("the PeterNeumann key gives the published verifier key string and signature", () => {
    const key = peterKey();
    expect(key.verifierKey).toBe(PETER_VKEY);
    expect(signNote(TEXT, key)).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  test("the published note opens with the published key; other signers' lines are ignored", () => {
    expect(openNote(`${TEXT}\n${PETER_SIG}`, PETER_VKEY)).toBe(TEXT);
    expect(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, PETER_VKEY)).toBe(TEXT);
    expect(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, ENOCH_VKEY)).toBe(TEXT);
  });

  test("a note without a signature by the pinned key is refused", () => {
    expect(() => openNote(`${TEXT}\n${ENOCH_SIG}`, PETER_VKEY)).toThrow("note has no signature by key PeterNeumann+c74f20a3");
  });

  test("a changed text or a bent signature is refused", () => {
    expect(() => openNote(`${TEXT.replace("cryptography", "cryptographY")}\n${PETER_SIG}`, PETER_VKEY)).toThrow(
      "invalid signature for key PeterNeumann+c74f20a3",
    );
    expect(() => openNote(`${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`, PETER_VKEY)).toThrow(
      "invalid signature for key PeterNeumann+c74f20a3",
    );
  });

  test.each([
    ["text only", TEXT, "no blank line"],
    ["text and blank line", `${TEXT}\n`, "must end with a newline"],
    ["signature without its newline", `${TEXT}\n${PETER_SIG.slice(0, -1)}`, "must end with a newline"],
    ["a control character", `\x01${TEXT}\n${PETER_SIG}`, "control character 0x01"],
    ["a name with a space", `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`, "not standard padded base64"],
    ["an unexpected line after the signatures", `${TEXT}\n${PETER_SIG}Unexpected line.\n`, 'does not start with "— "'],
    ["101 signatures", `${TEXT}\n${PETER_SIG.repeat(101)}`, "101 signatures, over the limit of 100"],
    ["an ASCII hyphen for the dash", `${TEXT}\n${PETER_SIG.replace("—", "-")}`, 'does not start with "— "'],
  ])("a malformed note is refused: %s", (_, note, error) => {
    expect(() => openNote(note, PETER_VKEY)).toThrow(error);
  });

  test("every mangling of the verifier key string is refused (as Go's TestNewVerifier)", () => {
    expect(parseVerifierKey(PETER_VKEY).name).toBe("PeterNeumann");
    const b = [...PETER_VKEY];
    for (let i = 0; i <= b.length; i++)
      for (let j = i + 1; j <= b.length; j++) if (i !== 0 || j !== b.length) expect(() => parseVerifierKey(b.slice(i, j).join("")), b.slice(i, j).join("")).toThrow();
    for (let i = 0; i < b.length; i++) {
      const mangled = [...b];
      mangled[i] = String.fromCharCode(mangled[i].charCodeAt(0) + 1);
      expect(() => parseVerifierKey(mangled.join("")), mangled.join("")).toThrow();
    }
    expect(() => parseVerifierKey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")).toThrow("verifier key is not canonical base64");
    expect(() => parseVerifierKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")).toThrow("is not 1 (Ed25519)");
    expect(() => parseVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")).toThrow("does not match its name and key (want c74f20a3)");
  });
});

describe("checkpoints (C2SP tlog-checkpoint, PROTOCOL §7.3)", () => {
  const key = gatewayKeyFromSeed("signet.example.org/town-hall", new Uint8Array(32).fill(7));
  const root = Uint8Array.from({ length: 32 }, (_, i) => i);

  test("the body is origin, decimal size, base64 root, each with a newline; the signature line names the origin", () => {
    const signed = signCheckpoint({ origin: key.name, size: 1234, root }, key);
    const [body, signature] = signed.note.split("\n\n");
    expect(body + "\n").toBe("signet.example.org/town-hall\n1234\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
    expect(signature).toMatch(/^— signet\.example\.org\/town-hall [A-Za-z0-9+/]{91}=\n$/);
    // The signature line's first 4 bytes are the key ID of the verifier key string.
    const blob = decodeBase64(signature.slice(signature.lastIndexOf(" ") + 1, -1), "signature");
    expect(Buffer.from(blob.subarray(0, 4)).toString("hex")).toBe(key.verifierKey.split("+")[1]);
  });

  test("a signed checkpoint opens with the verifier key and gives back origin, size and root", () => {
    const signed = signCheckpoint({ origin: key.name, size: 1, root }, key);
    const opened = openCheckpoint(signed.note, key.verifierKey);
    expect(opened).toEqual({ origin: key.name, size: 1, root, note: signed.note });
  });

  test("a checkpoint whose size was changed does not verify", () => {
    const signed = signCheckpoint({ origin: key.name, size: 1234, root }, key);
    expect(() => openCheckpoint(signed.note.replace("\n1234\n", "\n1235\n"), key.verifierKey)).toThrow("invalid signature for key signet.example.org/town-hall+");
  });

  test("another gateway's key does not verify it", () => {
    const other = gatewayKeyFromSeed(key.name, new Uint8Array(32).fill(8));
    const signed = signCheckpoint({ origin: key.name, size: 5, root }, key);
    expect(() => openCheckpoint(signed.note, other.verifierKey)).toThrow("note has no signature by key signet.example.org/town-hall+");
  });

  test("a key never signs a checkpoint of another origin", () => {
    expect(() => signCheckpoint({ origin: "elsewhere.example/log", size: 5, root }, key)).toThrow("is not the signing key's name");
  });

  test.each([
    ["leading zeros", "o\n012\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "not a decimal without leading zeros"],
    ["an extension line", "o\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\next\n", "4 lines, want 3"],
    ["a short root", "o\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n", "31 bytes, want 32"],
    ["unpadded base64", "o\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n", "not standard padded base64"],
    ["no final newline", "o\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "must end with a newline"],
    ["a size above 2^53 − 1", "o\n9007199254740993\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "above 2^53 − 1"],
  ])("a checkpoint body with %s is refused", (_, body, error) => {
    expect(() => parseCheckpointBody(body)).toThrow(error);
  });

  test("the body format round-trips", () => {
    expect(parseCheckpointBody(checkpointBody({ origin: "o", size: 0, root }))).toEqual({ origin: "o", size: 0, root });
  });
});

describe("the gateway key file", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), "signet-key-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  test("is created on first start with mode 0600 and the same key is loaded on the next", () => {
    const dir = join(tempDir(), "data");
    const first = loadOrCreateGatewayKey(dir, "signet.example.org/town-hall");
    const path = join(dir, GATEWAY_KEY_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path).length).toBe(32);
    const again = loadOrCreateGatewayKey(dir, "signet.example.org/town-hall");
    expect(again.verifierKey).toBe(first.verifierKey);
    expect(parseVerifierKey(first.verifierKey).publicKey).toEqual(first.publicKey);
  });

  test("a key file others can read is refused with the fix", () => {
    const dir = tempDir();
    loadOrCreateGatewayKey(dir, "gw");
    chmodSync(join(dir, GATEWAY_KEY_FILE), 0o644);
    expect(() => loadOrCreateGatewayKey(dir, "gw")).toThrow(/has mode 0644: a private key must be readable by its owner only \(chmod 600 /);
  });

  test("a key file of the wrong length is refused", () => {
    const dir = tempDir();
    writeFileSync(join(dir, GATEWAY_KEY_FILE), new Uint8Array(31), { mode: 0o600 });
    expect(() => loadOrCreateGatewayKey(dir, "gw")).toThrow("is 31 bytes, want 32 (a raw Ed25519 seed)");
  });

  test("a name that is not a PROTOCOL §1 key name is refused", () => {
    expect(() => loadOrCreateGatewayKey(tempDir(), "town hall")).toThrow("is not a key name");
    expect(() => loadOrCreateGatewayKey(tempDir(), "a+b")).toThrow("is not a key name");
  });

  test("signs gateway records as COSE EdDSA with kid = key name, identical to the protocol's software signer", () => {
    const seed = new Uint8Array(32).fill(3);
    const key = gatewayKeyFromSeed("signet.example.org/town-hall", seed);
    const config: ConfigRecord = { v: 1, t: "config", ts: 1795300000, origin: key.name, admins: [] };
    const record = key.signRecord(config);
    expect(Buffer.from(record).toString("hex")).toBe(Buffer.from(signPayload(-8, key.name, config, seed)).toString("hex"));
    const message = decodeSign1(record);
    expect(message.kid).toBe(key.name);
    expect(message.alg).toBe(-8);
    verifySign1(message, key.publicKey, -8);
  });
});

describe("in an auditor's browser", () => {
  test("the verifiers bundle with no Node built-ins and check a proof and a checkpoint in a bare JS context", async () => {
    const { build } = await import("esbuild");
    const { runInNewContext } = await import("node:vm");
    const root = new URL("../../", import.meta.url).pathname;
    const bundle = await build({
      stdin: { contents: 'export * from "./gateway/ledger/tree.ts"; export * from "./gateway/ledger/checkpoint.ts";', resolveDir: root, loader: "ts" },
      bundle: true,
      format: "iife",
      globalName: "verifiers",
      platform: "browser", // a node: import would fail to resolve here
      write: false,
      logLevel: "silent",
    });
    // Only what a browser page has: no require, no process, no Buffer.
    const page = { TextEncoder, TextDecoder, atob, btoa, Uint8Array, DataView } as Record<string, unknown>;
    runInNewContext(bundle.outputFiles[0].text, page);
    const v = page.verifiers as typeof import("../../gateway/ledger/checkpoint.ts") & typeof import("../../gateway/ledger/tree.ts");
    expect(v.openNote(`${TEXT}\n${PETER_SIG}`, PETER_VKEY)).toBe(TEXT);
    const key = gatewayKeyFromSeed("signet.example.org/town-hall", new Uint8Array(32).fill(7));
    const leaf = new Uint8Array(32).fill(9);
    const sibling = new Uint8Array(32).fill(10);
    const root2 = v.hashChildren(leaf, sibling);
    const note = signCheckpoint({ origin: key.name, size: 2, root: root2 }, key).note;
    const opened = v.openCheckpoint(note, key.verifierKey);
    expect(opened.size).toBe(2);
    v.verifyInclusion(0, 2, leaf, [sibling], opened.root);
    expect(() => v.verifyInclusion(1, 2, leaf, [sibling], opened.root)).toThrow("does not match");
  });
});
