import { describe, expect, it } from "vitest";
import { ALG_ES256, fromHex, publicKeyProblem } from "../../firmware/protocol/index";
import { ADMIN_KID, ADMIN_PUB_HEX, GATEWAY_KID, GATEWAY_PUB_HEX } from "./gateway";
import { command, createKiosk, DEV, enrol, keys, provisionedKiosk, screen, wait, type Kiosk } from "./kiosk";

async function blankKiosk(): Promise<Kiosk> {
  const k = createKiosk();
  expect(await k.clock.runUntil(k.device.boot())).toBe("provisioning");
  await wait(k, 50); // the banner crosses the UART
  return k;
}

describe("provisioning over the serial console", () => {
  it("starts on a blank device, says what is missing, and refuses to run until it is all set", async () => {
    const k = await blankKiosk();
    expect(k.device.console.output.slice(0, 2)).toEqual(["signet provisioning 1", ". missing: site id broker gateway"]);
    expect(screen(k)).toContain("Provisioning mode");
    expect((await command(k, "run")).final).toBe("err missing site id broker gateway key");
    expect((await command(k, "show")).final).toBe("ok missing site id broker gateway key");
  });

  it("answers every command with one ok or err line, and names what is wrong", async () => {
    const k = await blankKiosk();
    expect(await command(k, "set site Town Hall")).toEqual({ lines: [], final: "err set site takes one value" });
    expect((await command(k, "set site Town_Hall")).final).toMatch(/^err "Town_Hall" is not a valid site id/);
    expect((await command(k, "set broker http://example.org")).final).toBe('err broker URL "http://example.org" must look like mqtt://host[:port]');
    expect((await command(k, "set gateway gw 00")).final).toBe("err EdDSA public key must be 32 bytes, got 1");
    expect((await command(k, "set auth retina")).final).toBe("err auth must be one of pin, fp, pin+fp");
    expect((await command(k, "set meter 9 1000")).final).toBe("err meter channel must be 0 … 7");
    expect((await command(k, "frobnicate")).final).toBe('err unknown command "frobnicate"; \'help\' lists them');
    expect((await command(k, "voter add 12 alice")).final).toBe("err a voter needs a PIN, a finger, or both");
    expect((await command(k, "voter add 12 alice pin 12")).final).toBe("err a PIN is 4 to 8 digits");
    const help = await command(k, "help");
    expect(help.final).toBe("ok");
    expect(help.lines).toContain("voter add NUMBER VOTER-ID [pin DIGITS] [finger]");
  });

  it("sets the configuration, generates the key in the ATECC608A and prints its public key, enrols voters, then runs", async () => {
    const k = await blankKiosk();
    for (const line of [`set site town-hall`, `set id ${DEV}`, "set broker mqtt://10.0.0.2", `set gateway ${GATEWAY_KID} ${GATEWAY_PUB_HEX}`, `set admin ${ADMIN_KID} EdDSA ${ADMIN_PUB_HEX}`, "set meter 0 800"])
      expect((await command(k, line)).final, line).toBe("ok");
    const keygen = (await command(k, "keygen")).final;
    const [ok, alg, pub] = keygen.split(" ");
    expect([ok, alg]).toEqual(["ok", "ES256"]);
    expect(publicKeyProblem(ALG_ES256, fromHex(pub))).toBeNull(); // a valid P-256 point, made inside the chip
    expect(k.hardware.secureElement!.hasKey(0)).toBe(true);
    expect((await command(k, "keygen")).final).toMatch(/^err a device key exists; 'keygen replace' makes a new one/);
    expect((await command(k, "pubkey")).final).toBe(keygen);

    expect(await enrol(k, { number: 12, id: "shareholder-12", pin: "4321", finger: "alice-right-index" })).toBe("ok voter 12 shareholder-12 pin finger");
    expect(k.hardware.fingerprint!.templateAt(12)).toBe("alice-right-index");
    expect(await enrol(k, { number: 7, id: "shareholder-7", pin: "2468" })).toBe("ok voter 7 shareholder-7 pin");
    expect(await command(k, "voter list")).toEqual({ lines: ["7 shareholder-7 pin", "12 shareholder-12 pin finger"], final: "ok 2 voters" });
    expect((await command(k, "voter remove 12")).final).toBe("ok removed 12");
    expect(k.hardware.fingerprint!.templateAt(12)).toBeUndefined();

    const show = await command(k, "show");
    expect(show.final).toBe("ok provisioned");
    expect(show.lines).toContain("site town-hall");
    expect(show.lines).toContain("meter 0 800");
    expect(show.lines).toContain(`key ES256 ${pub} (ATECC608A slot 0)`);
    expect(show.lines.join(" ")).not.toContain("4321");

    k.device.console.type("run");
    await wait(k, 3000);
    expect(k.device.app.mode).toBe("running");
    // The configuration and key survive a reboot: the kiosk comes back running.
    await k.clock.runUntil(k.device.reboot());
    expect(k.device.app.mode).toBe("running");
  });

  it("enters provisioning when CANCEL is held at boot, or on 'provision' at the console", async () => {
    const k = await provisionedKiosk();
    k.device.console.type("provision");
    await wait(k, 100);
    expect(k.device.app.mode).toBe("provisioning");
    expect(k.device.console.output).toContain("signet provisioning 1");
    expect((await command(k, "run")).final).toBe("ok running");

    k.device.powerCut();
    k.hardware.buttons.press("cancel");
    await wait(k, 200);
    expect(await k.clock.runUntil(k.device.boot())).toBe("provisioning");
    k.hardware.buttons.release("cancel");
  });

  it("runs the hardware self-test with a pass/fail line per part", async () => {
    const k = await blankKiosk();
    await provisionKeyOnly(k);
    const from = k.device.console.output.length;
    k.device.console.type("selftest");
    await wait(k, 2000);
    expect(k.device.console.since(from)).toContain(". press CONFIRM");
    k.hardware.buttons.click("confirm");
    await wait(k, 1000);
    expect(k.device.console.since(from)).toContain(". press 5 on the keypad");
    await keys(k, "5");
    const answer = k.device.console.answer(from)!;
    expect(answer.final).toBe("ok selftest pass");
    expect(answer.lines.map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual(
      expect.arrayContaining(["storage pass", "key pass", "fingerprint pass", "meter0 pass", "buttons pass", "keypad pass"]),
    );
    expect(answer.lines).toContain("key pass ES256 signature verifies (ATECC608A slot 0)");
  });

  it("reports the parts that fail: no key yet, a silent fingerprint module, nobody at the keypad", async () => {
    const k = await blankKiosk();
    await command(k, "set meter 0 1000");
    k.hardware.fingerprint!.failNext(0x1d, 0x01); // TempleteNum answered with a receive error
    const from = k.device.console.output.length;
    k.device.console.type("selftest");
    await wait(k, 25_000);
    const answer = k.device.console.answer(from)!;
    expect(answer.final).toBe("err selftest fail: key fingerprint buttons keypad");
    expect(answer.lines).toContain("key fail no device key in ATECC608A slot 0: run keygen");
    expect(answer.lines).toContain("buttons fail no press within 10 s");
    expect(answer.lines).toContain("keypad fail no key within 10 s");
  });
});

async function provisionKeyOnly(k: Kiosk): Promise<void> {
  await command(k, "set meter 0 1000");
  expect((await command(k, "keygen")).final).toMatch(/^ok ES256 /);
}

