// Provisioning mode: a line protocol on the serial console for the field
// technician and the tools that drive it (README, "Provisioning protocol").
// Every command answers with any number of lines starting with ". " and then
// exactly one final line: "ok …" or "err …".
import { algName, toHex } from "../protocol/index";
import type { Services } from "../hal/services";
import { describeConfig, missing, saveConfig, setOption, type DeviceConfig } from "./config";
import type { Parts } from "./parts";
import { selfTest } from "./selftest";
import { VoterRoll } from "./voters";

export const PROVISIONING_BANNER = "signet provisioning 1";

export interface ProvisioningHost {
  readonly services: Services;
  readonly parts: Parts;
  readonly config: DeviceConfig;
  /** Random bytes for PIN salts. */
  random(length: number): Uint8Array;
  /** Leave provisioning and run (the configuration is complete). */
  run(): void;
}

const HELP = [
  "show",
  "set site|id|wifi|broker|password|ntp|auth|gateway|admin|meter|interval|receipt|step|status VALUE...",
  "keygen [replace]",
  "pubkey",
  "voter add NUMBER VOTER-ID [pin DIGITS] [finger]",
  "voter remove NUMBER",
  "voter list",
  "selftest",
  "run",
];

export class Provisioning {
  #host: ProvisioningHost;
  #voters: VoterRoll;
  #queue: string[] = [];
  #busy = false;

  constructor(host: ProvisioningHost) {
    this.#host = host;
    this.#voters = new VoterRoll(host.services.storage);
  }

  start(): void {
    const { console: serial, display } = this.#host.services;
    serial.onLine = (line) => this.receive(line);
    display.show(["Provisioning mode", this.#host.config.dev || "(no id)", "Use the serial", "console"]);
    this.#say(PROVISIONING_BANNER);
    const absent = missing(this.#host.config);
    this.#say(absent.length ? `. missing: ${absent.join(" ")}` : ". provisioned; 'run' to start");
  }

  stop(): void {
    this.#host.services.console.onLine = undefined;
  }

  /** Takes one console line; commands run one at a time in arrival order. */
  receive(line: string): void {
    this.#queue.push(line);
    if (!this.#busy) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    while (this.#queue.length) {
      const line = this.#queue.shift()!;
      try {
        const result = await this.#command(line.trim().split(/\s+/).filter((w) => w !== ""));
        if (result !== undefined) this.#say(result === "" ? "ok" : `ok ${result}`);
      } catch (e) {
        this.#say(`err ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.#busy = false;
  }

  #say(line: string): void {
    this.#host.services.console.write(line);
  }

  /** Runs one command; returns the text of its `ok` line (undefined: nothing to answer), throws for `err`. */
  async #command(words: string[]): Promise<string | undefined> {
    const { config, parts, services } = this.#host;
    const [command, ...args] = words;
    switch (command) {
      case undefined:
        return undefined;
      case "help":
        for (const line of HELP) this.#say(`. ${line}`);
        return "";
      case "show": {
        for (const line of describeConfig(config)) this.#say(`. ${line}`);
        const key = await parts.keys.open();
        this.#say(`. key ${key ? `${algName(key.alg)} ${toHex(await key.publicKey())}` : "none"} (${parts.keys.description})`);
        this.#say(`. voters ${this.#voters.list().length}`);
        const absent = missing(config);
        if (!key) absent.push("key");
        return absent.length ? `missing ${absent.join(" ")}` : "provisioned";
      }
      case "set": {
        const [name, ...values] = args;
        if (name === undefined) throw new RangeError("set needs a name and a value");
        setOption(config, name, values);
        saveConfig(services.storage, config);
        return "";
      }
      case "keygen": {
        const existing = await parts.keys.open();
        if (existing && args[0] !== "replace")
          throw new Error("a device key exists; 'keygen replace' makes a new one, and the gateway must enrol the new public key");
        const key = await parts.keys.generate();
        return `${algName(key.alg)} ${toHex(await key.publicKey())}`;
      }
      case "pubkey": {
        const key = await parts.keys.open();
        if (!key) throw new Error("no device key: run keygen");
        return `${algName(key.alg)} ${toHex(await key.publicKey())}`;
      }
      case "voter":
        return this.#voter(args);
      case "selftest": {
        const results = await selfTest(services, parts, config, (line) => this.#say(`. ${line}`));
        const failed = results.filter((r) => !r.pass).map((r) => r.part);
        if (failed.length) throw new Error(`selftest fail: ${failed.join(" ")}`);
        return "selftest pass";
      }
      case "run": {
        const absent = missing(config);
        if (!(await parts.keys.open())) absent.push("key");
        if (absent.length) throw new Error(`missing ${absent.join(" ")}`);
        this.#say("ok running");
        this.#host.run();
        return undefined;
      }
      default:
        throw new Error(`unknown command ${JSON.stringify(command)}; 'help' lists them`);
    }
  }

  async #voter(args: string[]): Promise<string> {
    const [verb, numberText, id, ...rest] = args;
    const number = Number(numberText);
    const fingerprint = this.#host.parts.fingerprint;
    switch (verb) {
      case "list": {
        const voters = this.#voters.list();
        for (const v of voters) this.#say(`. ${v.number} ${v.id}${v.hash ? " pin" : ""}${v.finger ? " finger" : ""}`);
        return `${voters.length} voters`;
      }
      case "remove": {
        const voter = this.#voters.get(number);
        if (!voter) throw new Error(`no voter number ${numberText}`);
        if (voter.finger && fingerprint) await fingerprint.delete(number);
        this.#voters.remove(number);
        return `removed ${number}`;
      }
      case "add": {
        if (id === undefined) throw new RangeError("voter add takes NUMBER VOTER-ID [pin DIGITS] [finger]");
        let pin: string | undefined;
        let finger = false;
        for (let i = 0; i < rest.length; i++) {
          if (rest[i] === "pin" && rest[i + 1] !== undefined) pin = rest[++i];
          else if (rest[i] === "finger") finger = true;
          else throw new RangeError(`unexpected ${JSON.stringify(rest[i])}: voter add takes NUMBER VOTER-ID [pin DIGITS] [finger]`);
        }
        if (pin === undefined && !finger) throw new RangeError("a voter needs a PIN, a finger, or both");
        if (finger && !fingerprint) throw new Error("no fingerprint module fitted");
        // Check everything before asking for a finger, so a typo costs no enrolment.
        if (!Number.isInteger(number) || number < 1 || number > 999) throw new RangeError("voter number must be 1 … 999");
        if (finger) {
          const words = { place: "place finger", lift: "lift finger", "place-again": "place the same finger again" } as const;
          await fingerprint!.enroll(number, (step) => this.#say(`. ${words[step]}`));
        }
        const voter = this.#voters.enroll(number, id, pin, finger, this.#host.random(16));
        return `voter ${voter.number} ${voter.id}${voter.hash ? " pin" : ""}${voter.finger ? " finger" : ""}`;
      }
      default:
        throw new RangeError("voter add|remove|list");
    }
  }
}
