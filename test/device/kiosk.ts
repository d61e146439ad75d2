// A provisioned kiosk for device tests: virtual clock, emulated hardware, the
// firmware, the in-process broker and a test gateway, set up through the real
// provisioning console the way a technician would. Voter actions are real
// key presses, button clicks and fingers on the emulated parts. No Node APIs:
// the XS scenarios use it as well.
import type { AuthMethod } from "../../firmware/protocol/index";
import { fromHex, parseAlg } from "../../firmware/protocol/index";
import { VirtualClock } from "../../simulator/clock";
import { KioskHardware, SimDevice } from "../../simulator/device";
import type { LoadProfile } from "../../simulator/hardware/load-profile";
import { LinkBroker } from "../../simulator/services/mqtt-link";
import { SimFlash } from "../../simulator/services/storage";
import { ADMIN_KID, ADMIN_PUB_HEX, GATEWAY_KID, GATEWAY_PUB_HEX, SITE, TestGateway, WORLD_EPOCH } from "./gateway";

export const DEV = "kiosk-07";

export interface VoterSetup {
  readonly number: number;
  readonly id: string;
  readonly pin?: string;
  /** Name of the finger to enrol on the emulated module. */
  readonly finger?: string;
}

export interface KioskSetup {
  readonly auth?: AuthMethod;
  readonly voters?: readonly VoterSetup[];
  readonly meters?: readonly { ch: number; imp: number; profile: LoadProfile }[];
  readonly seed?: string;
  /** False: the time server does not answer until a test says so. */
  readonly ntpReachable?: boolean;
  /** The ATECC608A (default) or the software key store. */
  readonly key?: "atecc608a" | "software";
  readonly extraSettings?: readonly string[];
}

export interface Kiosk {
  readonly clock: VirtualClock;
  readonly broker: LinkBroker;
  readonly gateway: TestGateway;
  readonly hardware: KioskHardware;
  readonly device: SimDevice;
  readonly flash: SimFlash;
}

export const DEFAULT_VOTERS: readonly VoterSetup[] = [
  { number: 12, id: "shareholder-12", pin: "4321", finger: "alice-right-index" },
  { number: 7, id: "shareholder-7", pin: "2468" },
];

/** A ballot open from now for a day, with three options on the three option buttons. */
export function agmBallot(nowSeconds: number, rev = 1) {
  return {
    id: "agm-2026.item-3",
    rev,
    title: "Item 3: budget",
    options: [
      { id: "yes", label: "Yes" },
      { id: "no", label: "No" },
      { id: "abstain", label: "Abstain" },
    ],
    opens: nowSeconds - 60,
    closes: nowSeconds + 86400,
    rule: { kind: "plurality" as const },
    quorum: { num: 0, den: 1 },
    roll: "agm-2026",
  };
}

export function createKiosk(setup: KioskSetup = {}): Kiosk {
  const clock = new VirtualClock(0);
  const broker = new LinkBroker(clock);
  const gateway = new TestGateway(broker, () => WORLD_EPOCH * 1000 + Math.floor(clock.now()));
  const hardware = new KioskHardware(clock, { seed: setup.seed ?? "kiosk", meters: setup.meters, key: setup.key });
  const flash = new SimFlash();
  const device = new SimDevice({ clock, hardware, broker, flash, worldEpoch: WORLD_EPOCH, seed: setup.seed ?? "kiosk", ntpReachable: setup.ntpReachable });
  return { clock, broker, gateway, hardware, device, flash };
}

/** Types one provisioning command and waits (in virtual time) for its final ok/err line. */
export async function command(k: Kiosk, line: string, limitMs = 120_000): Promise<{ lines: string[]; final: string }> {
  const from = k.device.console.output.length;
  k.device.console.type(line);
  for (let waited = 0; waited <= limitMs; waited += 20) {
    const answer = k.device.console.answer(from);
    if (answer) return answer;
    await k.clock.run(20);
  }
  throw new Error(`no answer to ${JSON.stringify(line)} within ${limitMs} ms: ${k.device.console.since(from).join(" / ")}`);
}

async function ok(k: Kiosk, line: string): Promise<string> {
  const answer = await command(k, line);
  if (!answer.final.startsWith("ok")) throw new Error(`${line}: ${answer.final}`);
  return answer.final;
}

/** Boots a fresh kiosk into provisioning mode and provisions it over the console; it ends running and online. */
export async function provisionedKiosk(setup: KioskSetup = {}): Promise<Kiosk> {
  const k = createKiosk(setup);
  const mode = await k.clock.runUntil(k.device.boot());
  if (mode !== "provisioning") throw new Error(`a blank kiosk booted into ${mode}`);
  await k.clock.run(50); // the banner crosses the UART
  await provision(k, setup);
  return k;
}

export async function provision(k: Kiosk, setup: KioskSetup = {}): Promise<void> {
  for (const line of [
    `set site ${SITE}`,
    `set id ${DEV}`,
    "set wifi town-hall-iot s3cret-wifi",
    "set broker mqtt://broker.town-hall.lan:1883",
    "set password kiosk-07-mqtt-password",
    `set gateway ${GATEWAY_KID} ${GATEWAY_PUB_HEX}`,
    `set admin ${ADMIN_KID} EdDSA ${ADMIN_PUB_HEX}`,
    `set auth ${setup.auth ?? "pin"}`,
    ...(setup.meters ?? []).map((m) => `set meter ${m.ch} ${m.imp}`),
    ...(setup.extraSettings ?? []),
  ])
    await ok(k, line);
  const [, alg, pub] = (await ok(k, "keygen")).split(" ");
  k.gateway.register(DEV, parseAlg(alg), fromHex(pub));
  for (const v of setup.voters ?? DEFAULT_VOTERS) await enrol(k, v);
  const from = k.device.console.output.length;
  k.device.console.type("run");
  await k.clock.run(10);
  if (!k.device.console.since(from).includes("ok running")) throw new Error(`run: ${k.device.console.since(from).join(" / ")}`);
  k.gateway.setOnline(true);
  await k.clock.run(5000); // connect, subscribe, clock synchronised
}

export async function enrol(k: Kiosk, v: VoterSetup): Promise<string> {
  const module = k.hardware.fingerprint!;
  const console = k.device.console;
  if (v.finger) {
    // The technician follows the module's prompts with the voter's finger.
    console.onOutput = (line) => {
      if (line === ". place finger" || line === ". place the same finger again") module.placeFinger(v.finger!);
      if (line === ". lift finger") module.liftFinger();
    };
  }
  try {
    return await ok(k, `voter add ${v.number} ${v.id}${v.pin ? ` pin ${v.pin}` : ""}${v.finger ? " finger" : ""}`);
  } finally {
    console.onOutput = undefined;
    module.liftFinger();
  }
}

// ---- voter actions on the emulated parts -----------------------------------

/** Types keys on the keypad (each held 80 ms, 80 ms apart) and lets the firmware react. */
export async function keys(k: Kiosk, text: string): Promise<void> {
  const ms = k.hardware.keypad.type(text);
  await k.clock.run(ms + 100);
}

export async function click(k: Kiosk, button: string): Promise<void> {
  k.hardware.buttons.click(button);
  await k.clock.run(300);
}

/** Puts a finger on the sensor until the module has read it, then lifts it. */
export async function touch(k: Kiosk, finger: string, ms = 1500): Promise<void> {
  k.hardware.fingerprint!.placeFinger(finger);
  await k.clock.run(ms);
  k.hardware.fingerprint!.liftFinger();
  await k.clock.run(200);
}

export async function wait(k: Kiosk, ms: number): Promise<void> {
  await k.clock.run(ms);
}

/** What the voter sees now, as one sentence. */
export function screen(k: Kiosk): string {
  return k.device.display.words;
}

export function nowSeconds(k: Kiosk): number {
  return WORLD_EPOCH + Math.floor(k.clock.now() / 1000);
}
