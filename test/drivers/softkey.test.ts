import { describe, expect, it } from "vitest";
import { SoftwareKeyStore } from "../../firmware/drivers/softkey.ts";
import type { Storage, StoredValue } from "../../firmware/hal/storage.ts";
import { ALG_EDDSA, verifyMessage } from "../../firmware/protocol/index.ts";
import { SecureElementKeyStore, ATECC608A } from "../../firmware/drivers/atecc608a.ts";
import { Atecc608aChip } from "../../simulator/hardware/atecc608a.ts";
import { VirtualBoard } from "../../simulator/hardware/board.ts";
import { SeededRandom } from "../../simulator/hardware/random.ts";

class MemoryStorage implements Storage {
  readonly data = new Map<string, StoredValue>();
  get(key: string) {
    return this.data.get(key);
  }
  set(key: string, value: StoredValue) {
    this.data.set(key, typeof value === "string" ? value : value.slice());
  }
  delete(key: string) {
    this.data.delete(key);
  }
  keys() {
    return [...this.data.keys()];
  }
}

const random = new SeededRandom("softkey");
const tbs = new Uint8Array([0x84, 0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31]);

describe("software key store (Ed25519 seed in storage)", () => {
  it("a new device has no key; generate stores one that signs verifiable EdDSA and survives a reboot", async () => {
    const storage = new MemoryStorage();
    const store = new SoftwareKeyStore({ storage, random: (n) => random.bytes(n) });
    expect(await store.open()).toBeUndefined();
    const key = await store.generate();
    expect(key.alg).toBe(ALG_EDDSA);
    const publicKey = await key.publicKey();
    const signature = await key.sign(tbs);
    expect(verifyMessage(ALG_EDDSA, publicKey, tbs, signature)).toBe(true);

    const afterReboot = await new SoftwareKeyStore({ storage }).open();
    expect(await afterReboot!.publicKey()).toEqual(publicKey);
    expect(await afterReboot!.sign(tbs)).toEqual(signature); // Ed25519 is deterministic
  });

  it("the key object offers no way to read the seed", async () => {
    const store = new SoftwareKeyStore({ storage: new MemoryStorage(), random: (n) => random.bytes(n) });
    const key = await store.generate();
    expect(Object.keys(key)).toEqual(["alg"]);
    key.close();
    await expect(key.sign(tbs)).rejects.toThrow(/closed/);
  });

  it("a damaged stored seed is reported with what to do", async () => {
    const storage = new MemoryStorage();
    storage.set("device-key", new Uint8Array(31));
    await expect(new SoftwareKeyStore({ storage }).open()).rejects.toThrow(/not a 32-byte seed: the storage is damaged; generate a new device key/);
  });

  it("a broken random source is refused rather than making a guessable key", async () => {
    const store = new SoftwareKeyStore({ storage: new MemoryStorage(), random: (n) => new Uint8Array(n) });
    await expect(store.generate()).rejects.toThrow(/no usable 32 bytes/);
  });

  it("storage keys longer than NVS allows are refused", () => {
    expect(() => new SoftwareKeyStore({ storage: new MemoryStorage(), name: "a-very-long-key-name" })).toThrow(/1 to 15 characters/);
  });
});

describe("secure element key store", () => {
  it("an unprovisioned chip has no key until generate; then open finds it", async () => {
    const board = new VirtualBoard();
    new Atecc608aChip(board, { seed: "store" });
    const chip = new ATECC608A({ sensor: { io: board.I2C, data: 21, clock: 22 }, timers: board.clock });
    const store = new SecureElementKeyStore(chip);
    expect(store.description).toBe("ATECC608A slot 0");
    expect(await board.clock.runUntil(store.open())).toBeUndefined();
    const key = await board.clock.runUntil(store.generate());
    const reopened = await board.clock.runUntil(new SecureElementKeyStore(new ATECC608A({ sensor: { io: board.I2C, data: 21, clock: 22 }, timers: board.clock })).open());
    expect(await board.clock.runUntil(reopened!.publicKey())).toEqual(await board.clock.runUntil(key.publicKey()));
  });
});
