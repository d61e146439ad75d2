// `npm run bench -- protocol`: the cost of a vote message. On Node: encode +
// sign and verify rates for both algorithms, with node:crypto's verify as the
// baseline; on XS: computrons and wall time to build and sign one vote.
import { createPublicKey, verify } from "node:crypto";
import { fileURLToPath } from "node:url";
import { decodeSign1, fromHex, openMessage, publicKeyOf, sigStructure, signPayload, type Alg, type Payload } from "../firmware/protocol/index.ts";
import { runOnXs } from "../simulator/xs/runner.ts";
import { KEYS } from "../test/vectors/inputs.ts";
import { formatRate, rate, table } from "./measure.ts";

const vote = (seq: number): Payload => ({ v: 1, t: "vote", dev: "kiosk-07", seq, ts: 1790000000, ballot: "agm-2026.item-3", choice: "yes", voter: "shareholder-118", auth: "pin" });

function nodeKey(alg: Alg, pub: Uint8Array) {
  const b = Buffer.from(pub);
  return alg === -7
    ? createPublicKey({ key: { kty: "EC", crv: "P-256", x: b.subarray(1, 33).toString("base64url"), y: b.subarray(33).toString("base64url") }, format: "jwk" })
    : createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b.toString("base64url") }, format: "jwk" });
}

export async function run(): Promise<void> {
  const rows: string[][] = [["vote message (Node)", "encode+sign", "verify (Signet, @noble)", "verify (node:crypto baseline)", "Signet / baseline"]];
  for (const alg of [-7, -8] as Alg[]) {
    const key = fromHex(alg === -7 ? KEYS.ES256 : KEYS.EdDSA);
    const pub = publicKeyOf(alg, key);
    let seq = 1;
    const sign = rate(() => signPayload(alg, "kiosk-07", vote(seq++), key));
    const message = signPayload(alg, "kiosk-07", vote(1), key);
    const ours = rate(() => openMessage(message, { publicKey: pub, alg }));
    const parsed = decodeSign1(message);
    const tbs = Buffer.from(sigStructure(parsed.protectedBytes, parsed.payloadBytes));
    const sig = Buffer.from(parsed.signature);
    const kobj = nodeKey(alg, pub);
    const baseline = rate(() => (alg === -7 ? verify("sha256", tbs, { key: kobj, dsaEncoding: "ieee-p1363" }, sig) : verify(null, tbs, kobj, sig)));
    rows.push([alg === -7 ? "ES256" : "EdDSA", formatRate(sign), formatRate(ours), formatRate(baseline), (ours.perSecond / baseline.perSecond).toFixed(3)]);
  }
  table(rows);
  console.log("");

  const entry = fileURLToPath(new URL("./xs/vote.xs.ts", import.meta.url));
  const xsRows: string[][] = [["vote on XS (build + sign)", "first: computrons", "first: ms", "later: computrons", "later: ms", "later / first"]];
  for (const alg of [-7, -8] as Alg[]) {
    const { result } = await runOnXs<{ computrons: number; ms: number }[]>(entry, { alg, key: alg === -7 ? KEYS.ES256 : KEYS.EdDSA, votes: 11 });
    const later = result.slice(1);
    const c = later.reduce((a, r) => a + r.computrons, 0) / later.length;
    const ms = later.reduce((a, r) => a + r.ms, 0) / later.length;
    xsRows.push([
      alg === -7 ? "ES256 (software key)" : "EdDSA (software key)",
      result[0].computrons.toLocaleString("en-US"),
      result[0].ms.toFixed(1),
      Math.round(c).toLocaleString("en-US"),
      ms.toFixed(1),
      (c / result[0].computrons).toFixed(3),
    ]);
  }
  table(xsRows);
  console.log("\nComputrons are XS's deterministic metering count (resetMeter); ms is this machine's wall time for the same work on XS.");
}
