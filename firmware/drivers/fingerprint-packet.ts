// The R30x / R503 / AS608 (ZFM-20 family) UART packet: start code 0xEF01,
// 4-byte module address, packet identifier, 2-byte length (payload + 2), the
// payload (instruction and parameters, or confirmation code and results), and
// a 2-byte checksum = the 16-bit sum of identifier, length and payload bytes.
// Codes as named in the module's datasheet (and Adafruit's library).

export const START_CODE = 0xef01;
export const DEFAULT_ADDRESS = 0xffffffff;

export const PID = Object.freeze({
  COMMAND: 0x01,
  DATA: 0x02,
  ACK: 0x07,
  END_DATA: 0x08,
});

export const INSTRUCTION = Object.freeze({
  GEN_IMG: 0x01, // capture an image into the image buffer
  IMG_2_TZ: 0x02, // image → character file in CharBuffer 1 or 2
  MATCH: 0x03,
  SEARCH: 0x04, // search the library with a CharBuffer
  REG_MODEL: 0x05, // CharBuffer 1 + 2 → template
  STORE: 0x06, // template → library page
  LOAD_CHAR: 0x07,
  UP_CHAR: 0x08,
  DELETE_CHAR: 0x0c,
  EMPTY: 0x0d,
  READ_SYS_PARA: 0x0f,
  SET_PWD: 0x12,
  VFY_PWD: 0x13,
  HIGH_SPEED_SEARCH: 0x1b,
  TEMPLATE_NUM: 0x1d,
});

export const CONFIRMATION = Object.freeze({
  OK: 0x00,
  PACKET_RECEIVE_ERR: 0x01,
  NO_FINGER: 0x02,
  IMAGE_FAIL: 0x03,
  IMAGE_MESS: 0x06,
  FEATURE_FAIL: 0x07,
  NO_MATCH: 0x08,
  NOT_FOUND: 0x09,
  ENROLL_MISMATCH: 0x0a,
  BAD_LOCATION: 0x0b,
  DB_RANGE_FAIL: 0x0c,
  UPLOAD_FEATURE_FAIL: 0x0d,
  PACKET_RESPONSE_FAIL: 0x0e,
  UPLOAD_FAIL: 0x0f,
  DELETE_FAIL: 0x10,
  DB_CLEAR_FAIL: 0x11,
  PASS_FAIL: 0x13,
  INVALID_IMAGE: 0x15,
  FLASH_ERR: 0x18,
  INVALID_REG: 0x1a,
  ADDR_CODE: 0x20,
});

const CONFIRMATION_TEXT: Readonly<Record<number, string>> = Object.freeze({
  0x01: "error receiving the packet",
  0x02: "no finger on the sensor",
  0x03: "failed to capture the image",
  0x06: "image too messy to extract features",
  0x07: "too few feature points in the image",
  0x08: "finger does not match",
  0x09: "no matching finger in the library",
  0x0a: "the two captures are not the same finger",
  0x0b: "page ID beyond the library",
  0x0c: "error reading the template from the library",
  0x10: "failed to delete the template",
  0x11: "failed to clear the library",
  0x13: "wrong module password",
  0x15: "no valid image in the buffer",
  0x18: "error writing flash",
  0x1a: "invalid register number",
  0x20: "wrong module address",
});

/** The datasheet's meaning of a confirmation code, for error messages. */
export function confirmationText(code: number): string {
  return CONFIRMATION_TEXT[code] ?? `confirmation code 0x${code.toString(16).padStart(2, "0")}`;
}

/** Header (9 bytes) + checksum (2) around the payload. */
export const PACKET_OVERHEAD = 11;

/** Writes a packet into `into` and returns its length. */
export function encodePacket(into: Uint8Array, address: number, pid: number, payload: ArrayLike<number>, payloadLength = payload.length): number {
  const length = payloadLength + 2;
  into[0] = START_CODE >> 8;
  into[1] = START_CODE & 0xff;
  into[2] = (address >>> 24) & 0xff;
  into[3] = (address >>> 16) & 0xff;
  into[4] = (address >>> 8) & 0xff;
  into[5] = address & 0xff;
  into[6] = pid;
  into[7] = length >> 8;
  into[8] = length & 0xff;
  let sum = pid + (length >> 8) + (length & 0xff);
  for (let i = 0; i < payloadLength; i++) {
    into[9 + i] = payload[i];
    sum += payload[i];
  }
  into[9 + payloadLength] = (sum >> 8) & 0xff;
  into[10 + payloadLength] = sum & 0xff;
  return PACKET_OVERHEAD + payloadLength;
}

export type PacketFault = "bad-checksum" | "bad-address" | "too-long";

/**
 * Reassembles packets from a byte stream that arrives in pieces. Bytes
 * before a start code are skipped. The payload view passed to `onPacket` is
 * reused for the next packet.
 */
export class PacketReader {
  #buffer: Uint8Array;
  #fill = 0;
  #address: number;
  onPacket: (pid: number, payload: Uint8Array) => void;
  onFault: (fault: PacketFault) => void;

  constructor(address: number, onPacket: (pid: number, payload: Uint8Array) => void, onFault: (fault: PacketFault) => void, maxPayload = 256) {
    this.#buffer = new Uint8Array(PACKET_OVERHEAD + maxPayload);
    this.#address = address >>> 0;
    this.onPacket = onPacket;
    this.onFault = onFault;
  }

  reset(): void {
    this.#fill = 0;
  }

  push(bytes: Uint8Array): void {
    const buffer = this.#buffer;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      const at = this.#fill;
      if (at === 0 && b !== START_CODE >> 8) continue;
      if (at === 1 && b !== (START_CODE & 0xff)) {
        this.#fill = b === START_CODE >> 8 ? 1 : 0;
        continue;
      }
      buffer[this.#fill++] = b;
      if (this.#fill === 9) {
        const length = (buffer[7] << 8) | buffer[8];
        if (length < 2 || length - 2 > buffer.length - PACKET_OVERHEAD) {
          this.#fill = 0;
          this.onFault("too-long");
        }
      } else if (this.#fill > 9 && this.#fill === 9 + ((buffer[7] << 8) | buffer[8])) this.#complete();
    }
  }

  #complete(): void {
    const buffer = this.#buffer;
    const length = (buffer[7] << 8) | buffer[8];
    const end = 9 + length - 2;
    let sum = buffer[6] + buffer[7] + buffer[8];
    for (let i = 9; i < end; i++) sum += buffer[i];
    const address = ((buffer[2] << 24) | (buffer[3] << 16) | (buffer[4] << 8) | buffer[5]) >>> 0;
    this.#fill = 0;
    if ((sum & 0xffff) !== ((buffer[end] << 8) | buffer[end + 1])) return this.onFault("bad-checksum");
    if (address !== this.#address) return this.onFault("bad-address");
    this.onPacket(buffer[6], buffer.subarray(9, end));
  }
}
