// The ATECC608A's I2C packet (Microchip CryptoAuthentication): a word address
// byte (0x03 command, 0x02 idle, 0x01 sleep), then count, opcode, param1,
// param2 (little-endian), data, and a CRC-16 (polynomial 0x8005, bits taken
// LSB first, sent low byte first) over count … data. Replies are count, data
// or one status byte, CRC. Names and values as in cryptoauthlib's
// calib_command.h.

export const WORD_ADDRESS = Object.freeze({
  RESET: 0x00,
  SLEEP: 0x01,
  IDLE: 0x02,
  COMMAND: 0x03,
});

export const OPCODE = Object.freeze({
  ATCA_INFO: 0x30,
  ATCA_GENKEY: 0x40,
  ATCA_NONCE: 0x16,
  ATCA_SIGN: 0x41,
  ATCA_RANDOM: 0x1b,
  ATCA_READ: 0x02,
});

export const MODE = Object.freeze({
  INFO_MODE_REVISION: 0x00,
  GENKEY_MODE_PUBLIC: 0x00,
  GENKEY_MODE_PRIVATE: 0x04,
  NONCE_MODE_PASSTHROUGH: 0x03,
  SIGN_MODE_EXTERNAL: 0x80,
});

export const STATUS = Object.freeze({
  SUCCESS: 0x00,
  CHECKMAC_VERIFY_MISCOMPARE: 0x01,
  PARSE_ERROR: 0x03,
  ECC_FAULT: 0x05,
  SELFTEST_ERROR: 0x07,
  EXECUTION_ERROR: 0x0f,
  AFTER_WAKE: 0x11,
  WATCHDOG_ABOUT_TO_EXPIRE: 0xee,
  CRC_OR_COMMUNICATION_ERROR: 0xff,
});

const STATUS_TEXT: Readonly<Record<number, string>> = Object.freeze({
  0x01: "CheckMac or Verify miscompare",
  0x03: "parse error (bad opcode or parameter)",
  0x05: "ECC fault (the signature or key generation failed; retry)",
  0x07: "self test error (the chip is disabled until power cycle)",
  0x0f: "execution error (slot not configured for this, or no key in it)",
  0x11: "received after wake, before the first command",
  0xee: "watchdog about to expire (command sent too late after wake)",
  0xff: "CRC or communication error",
});

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? `status 0x${status.toString(16).padStart(2, "0")}`;
}

/** Maximum execution times in ms for the ATECC608A (clock divider M0), as cryptoauthlib waits them. */
export const EXECUTION_MS: Readonly<Record<number, number>> = Object.freeze({
  [OPCODE.ATCA_INFO]: 5,
  [OPCODE.ATCA_GENKEY]: 115,
  [OPCODE.ATCA_NONCE]: 20,
  [OPCODE.ATCA_SIGN]: 115,
  [OPCODE.ATCA_RANDOM]: 23,
  [OPCODE.ATCA_READ]: 5,
});

/** Wake: SDA low at least tWLO (60 µs), then tWHI (1500 µs) before talking. */
export const WAKE_LOW_US = 60;
export const WAKE_HIGH_MS = 1.5;
/** The reply to a successful wake: count 4, status 0x11, CRC. */
export const WAKE_REPLY = Object.freeze([0x04, 0x11, 0x33, 0x43]);

/** cryptoauthlib's atCRC over bytes[start, end): the 16-bit register (send low byte first). */
export function atcaCrc(bytes: ArrayLike<number>, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    for (let bit = 0x01; bit < 0x100; bit <<= 1) {
      const dataBit = byte & bit ? 1 : 0;
      const crcBit = crc >> 15;
      crc = (crc << 1) & 0xffff;
      if (dataBit !== crcBit) crc ^= 0x8005;
    }
  }
  return crc;
}

/**
 * Writes a command packet, word address first, into `into`; returns its
 * length. `data` is copied from `dataBytes[0, dataLength)`.
 */
export function encodeCommand(into: Uint8Array, opcode: number, param1: number, param2: number, dataBytes?: ArrayLike<number>, dataLength = dataBytes ? dataBytes.length : 0): number {
  const count = 7 + dataLength;
  into[0] = WORD_ADDRESS.COMMAND;
  into[1] = count;
  into[2] = opcode;
  into[3] = param1;
  into[4] = param2 & 0xff;
  into[5] = (param2 >> 8) & 0xff;
  for (let i = 0; i < dataLength; i++) into[6 + i] = dataBytes![i];
  const crc = atcaCrc(into, 1, count - 1);
  into[count - 1] = crc & 0xff;
  into[count] = crc >> 8;
  return count + 1;
}
