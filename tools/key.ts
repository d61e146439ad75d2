// `signet key`: make an administrator's signing key.
import { Command, Option } from "commander";
import { algName, parseAlg, toHex } from "../firmware/protocol/index.ts";
import { generateKey, writeKeyFile } from "./keyfile.ts";

export function keyCommand(): Command {
  const key = new Command("key").description("signing keys for administrators");
  key
    .command("generate")
    .description("create a key file (mode 0600) and print the public key and the gateway configuration entry for it")
    .addOption(new Option("--alg <alg>", "algorithm").choices(["ES256", "EdDSA"]).default("EdDSA"))
    .requiredOption("--kid <name>", "key name, e.g. admin.example.org/clerk")
    .requiredOption("--out <file>", "where to write the key file (refused if it exists)")
    .action((opts: { alg: string; kid: string; out: string }) => {
      const k = generateKey(parseAlg(opts.alg), opts.kid);
      try {
        writeKeyFile(opts.out, k);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new Error(`${opts.out} exists; not overwriting a key`);
        throw e;
      }
      console.log(`wrote ${opts.out} (${algName(k.alg)}, kid ${k.kid})`);
      console.log(`public key: ${toHex(k.publicKey)}`);
      console.log("gateway configuration (admins):");
      console.log(`  - { kid: "${k.kid}", alg: ${algName(k.alg)}, pub: "${toHex(k.publicKey)}" }`);
    });
  return key;
}
