// Simulated NVS: the flash survives reboots; a mounted view is what one boot
// of the firmware sees. A power cut can be injected at any write (set or
// delete): the write either lands or not (NVS writes are atomic), the view
// dies, and every later write through it is lost, as on a board whose power
// went away. No Node APIs: it runs on XS with the firmware.
import { checkStorable, type Storage, type StoredValue } from "../../firmware/hal/storage";

export interface PowerCut {
  /** Cut at the n-th write (1-based) counted from when the cut was armed. */
  readonly atWrite: number;
  /** Whether that write lands before the power goes. */
  readonly lands: boolean;
}

export class SimFlash {
  readonly #data = new Map<string, StoredValue>();
  /** Writes (sets and deletes) that landed, over the flash's life. */
  writes = 0;

  /** A fresh view for one boot. */
  mount(): SimStorage {
    return new SimStorage(this.#data, this);
  }

  /** A copy of the flash (to replay one scenario with different cuts). */
  clone(): SimFlash {
    const copy = new SimFlash();
    for (const [k, v] of this.#data) copy.#data.set(k, typeof v === "string" ? v : v.slice());
    return copy;
  }

  get size(): number {
    return this.#data.size;
  }

  peek(key: string): StoredValue | undefined {
    return this.#data.get(key);
  }
}

export class SimStorage implements Storage {
  readonly #data: Map<string, StoredValue>;
  readonly #flash: SimFlash;
  #dead = false;
  #cut: PowerCut | undefined;
  #countdown = 0;
  /** Writes attempted through this view (for finding every cut point of a scenario). */
  attempts = 0;
  /** Called synchronously inside the write that cuts the power. */
  onPowerCut?: () => void;

  constructor(data: Map<string, StoredValue>, flash: SimFlash) {
    this.#data = data;
    this.#flash = flash;
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** Arms a power cut; `atWrite` counts writes from now. */
  armPowerCut(cut: PowerCut): void {
    this.#cut = cut;
    this.#countdown = cut.atWrite;
  }

  /** The power goes now, between writes. */
  cutPower(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.onPowerCut?.();
  }

  get(key: string): StoredValue | undefined {
    const value = this.#data.get(key);
    return value instanceof Uint8Array ? value.slice() : value;
  }

  set(key: string, value: StoredValue): void {
    checkStorable(key, value);
    this.#write(() => this.#data.set(key, typeof value === "string" ? value : value.slice()));
  }

  delete(key: string): void {
    checkStorable(key);
    this.#write(() => this.#data.delete(key));
  }

  keys(): string[] {
    return [...this.#data.keys()];
  }

  #write(apply: () => void): void {
    if (this.#dead) return;
    this.attempts++;
    if (this.#cut && --this.#countdown === 0) {
      const lands = this.#cut.lands;
      this.#cut = undefined;
      if (lands) {
        apply();
        this.#flash.writes++;
      }
      this.cutPower();
      return;
    }
    apply();
    this.#flash.writes++;
  }
}
