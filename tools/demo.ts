// `signet demo`: the protocol end to end in one process, for a first look.
import { Command } from "commander";
import {
  decodeSign1,
  encodeEntry,
  jsonFromCbor,
  leafHash,
  openMessage,
  publicKeyOf,
  receiptCode,
  signPayload,
  toHex,
  deviceTopic,
  type Alg,
  type Payload,
  algName,
} from "../firmware/protocol/index.ts";
import { sha256 } from "@noble/hashes/sha2.js";

export function demoCommand(): Command {
  return new Command("demo")
    .description("sign a vote and a meter reading with both algorithms, verify them, and show their receipt codes")
    .action(() => {
      const now = Math.floor(Date.now() / 1000);
      const vote: Payload = { v: 1, t: "vote", dev: "kiosk-07", seq: 1, ts: now, ballot: "agm-2026.item-3", choice: "yes", voter: "shareholder-118", auth: "pin+fp" };
      const reading: Payload = { v: 1, t: "reading", dev: "kiosk-07", seq: 2, ts: now, ch: 0, count: 12345, d: 42, imp: 1000, from: now - 60, to: now };
      for (const alg of [-7, -8] as Alg[]) {
        // A demo key derived from a fixed phrase: never use it for anything real.
        const key = sha256(new TextEncoder().encode(`signet demo key ${alg}`));
        const pub = publicKeyOf(alg, key);
        console.log(`\n${algName(alg)} device kiosk-07, public key ${toHex(pub)}`);
        for (const payload of [vote, reading]) {
          const cose = signPayload(alg, "kiosk-07", payload, key);
          const opened = openMessage(cose, { publicKey: pub, alg });
          const entry = encodeEntry({ at: Date.now(), k: "msg", cose });
          console.log(`  ${deviceTopic("town-hall", "kiosk-07", payload.t as "vote")}  ${cose.length} bytes, signature verified`);
          console.log(`    payload  ${JSON.stringify(jsonFromCbor(decodeSign1(cose).payload))}`);
          console.log(`    message  ${toHex(cose)}`);
          console.log(`    receipt  ${receiptCode(leafHash(entry))}${opened.payload.t === "vote" ? " (what the kiosk shows the voter after the ack)" : ""}`);
        }
      }
      console.log("\nTry: signet msg inspect <message hex>   or   signet msg verify --pub <key hex> <message hex>");
    });
}
