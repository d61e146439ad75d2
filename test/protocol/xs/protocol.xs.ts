// Runs on the XS engine: rebuilds every protocol vector and opens every
// invalid case, so the test can compare XS's bytes and verdicts with Node's.
import { CborError, ProtocolError, fromHex, openMessage, type Alg } from "../../../firmware/protocol/index";
import { buildVectors } from "../../vectors/build";

interface InvalidCase {
  readonly name: string;
  readonly message: string;
  readonly publicKey: string;
  readonly alg: "ES256" | "EdDSA";
  readonly maxSize?: number;
}

export function main(input: { invalid: InvalidCase[] }) {
  const verdicts = input.invalid.map((c) => {
    try {
      openMessage(fromHex(c.message), { publicKey: fromHex(c.publicKey), alg: (c.alg === "ES256" ? -7 : -8) as Alg, maxSize: c.maxSize });
      return { name: c.name, reason: "accepted", code: null };
    } catch (e) {
      if (!(e instanceof ProtocolError)) return { name: c.name, reason: `threw ${String(e)}`, code: null };
      return { name: c.name, reason: e.reason, code: e instanceof CborError ? e.code : null, message: e.message };
    }
  });
  return { vectors: buildVectors(), verdicts };
}
