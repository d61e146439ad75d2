// Signing a device message with the device key: the payload is validated and
// encoded here, the key (secure element or software store) signs the
// Sig_structure, and the result is the COSE_Sign1 of PROTOCOL §3.
import { assembleSign1, encodePayload, protectedHeader, sigStructure, type DeviceMessage } from "../protocol/index";
import type { SecureKey } from "../drivers/interfaces";

export async function signDeviceMessage(key: SecureKey, payload: DeviceMessage): Promise<Uint8Array> {
  const protectedBytes = protectedHeader(key.alg, payload.dev);
  const payloadBytes = encodePayload(payload);
  const signature = await key.sign(sigStructure(protectedBytes, payloadBytes));
  if (signature.length !== 64) throw new Error(`the device key returned a ${signature.length}-byte signature, not 64`);
  return assembleSign1(protectedBytes, payloadBytes, signature);
}
