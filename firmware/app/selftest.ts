// The hardware self-test of provisioning mode: each part is exercised and
// reported pass or fail with what a technician can act on. Keypad and buttons
// need a person: the test asks for a press and waits a few seconds.
import { algName, publicKeyLength, utf8Encode, verifyMessage } from "../protocol/index";
import type { Services } from "../hal/services";
import type { DeviceConfig } from "./config";
import { CANCEL, CONFIRM, optionButton, type Parts } from "./parts";

export const PRESS_WAIT_MS = 10_000;

export interface TestResult {
  readonly part: string;
  readonly pass: boolean;
  readonly detail: string;
}

export async function selfTest(services: Services, parts: Parts, config: DeviceConfig, say: (line: string) => void): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const report = (part: string, pass: boolean, detail: string): void => {
    results.push({ part, pass, detail });
    say(`${part} ${pass ? "pass" : "fail"} ${detail}`);
  };

  // Storage: a write, a read back, a delete.
  try {
    services.storage.set("selftest", "ok");
    const back = services.storage.get("selftest");
    services.storage.delete("selftest");
    report("storage", back === "ok", back === "ok" ? "write, read, delete" : "value read back differs");
  } catch (e) {
    report("storage", false, String(e));
  }

  // Secure element (or software key): sign a test message and verify it with the public key.
  try {
    const key = await parts.keys.open();
    if (!key) report("key", false, `no device key in ${parts.keys.description}: run keygen`);
    else {
      const pub = await key.publicKey();
      const message = utf8Encode("signet self-test");
      const signature = await key.sign(message);
      const ok = pub.length === publicKeyLength(key.alg) && verifyMessage(key.alg, pub, message, signature);
      report("key", ok, ok ? `${algName(key.alg)} signature verifies (${parts.keys.description})` : "signature does not verify with the public key");
    }
  } catch (e) {
    report("key", false, `${parts.keys.description}: ${String(e)}`);
  }

  // Fingerprint module: it answers and reports its template count.
  if (parts.fingerprint) {
    try {
      const n = await parts.fingerprint.count();
      report("fingerprint", true, `module answers, ${n} templates stored`);
    } catch (e) {
      report("fingerprint", false, String(e));
    }
  } else if (config.auth !== "pin") report("fingerprint", false, `auth ${config.auth} needs a fingerprint module and none is fitted`);

  // Pulse inputs: every configured meter channel has an input that reads.
  for (const meter of config.meters) {
    const input = parts.pulses.find((p) => p.channel === meter.ch);
    try {
      report(`meter${meter.ch}`, input !== undefined, input ? `input reads ${input.read()} pulses since boot` : "no pulse input wired for this channel");
    } catch (e) {
      report(`meter${meter.ch}`, false, String(e));
    }
  }

  // Display and indicators: driven so a person can look; nothing to read back.
  services.display.show(["Signet self-test", "01234567890123456789", "ABCDEFGHIJKLMNOPQRST", "display ok?"]);
  for (const led of ["ready", "busy", "ok", "error"] as const) services.indicators.led(led, "on");
  services.indicators.beep("ok");
  say("display shows a test pattern, every LED is on and the buzzer beeped: check by eye and ear");

  // Keypad and buttons: no button held, then a press of each kind within PRESS_WAIT_MS.
  if (parts.buttons) {
    const buttons = parts.buttons;
    const names = [optionButton(0), optionButton(1), optionButton(2), CONFIRM, CANCEL];
    const stuck = names.filter((n) => {
      try {
        return buttons.isPressed(n);
      } catch {
        return false;
      }
    });
    if (stuck.length) report("buttons", false, `held or stuck: ${stuck.join(", ")}`);
    else {
      say("press CONFIRM");
      const name = await waitFor<string>(services, (resolve) => (buttons.onPress = resolve), () => (buttons.onPress = undefined));
      report("buttons", name === CONFIRM, name === undefined ? "no press within 10 s" : name === CONFIRM ? "CONFIRM pressed" : `${name} pressed instead of CONFIRM`);
    }
  } else report("buttons", false, "no buttons fitted");
  if (parts.keypad) {
    const keypad = parts.keypad;
    say("press 5 on the keypad");
    const label = await waitFor<string>(services, (resolve) => (keypad.onKey = resolve), () => (keypad.onKey = undefined));
    report("keypad", label === "5", label === undefined ? "no key within 10 s" : label === "5" ? "5 pressed" : `${label} read instead of 5 (check the row and column wiring)`);
  } else report("keypad", false, "no keypad fitted");

  for (const led of ["ready", "busy", "ok", "error"] as const) services.indicators.led(led, "off");
  return results;
}

/** Resolves with the first event, or undefined after PRESS_WAIT_MS. */
function waitFor<T>(services: Services, listen: (resolve: (value: T) => void) => void, unlisten: () => void): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = services.timers.set(() => {
      unlisten();
      resolve(undefined);
    }, PRESS_WAIT_MS);
    listen((value) => {
      services.timers.clear(timer);
      unlisten();
      resolve(value);
    });
  });
}
