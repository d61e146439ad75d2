// A malformed scenario is refused before anything runs, with the line and
// the problem named, as a technician reading CI output needs it.
import { describe, expect, it } from "vitest";
import { parseDuration, parseScenario, ScenarioError } from "../../simulator/scenario/parse";

const GOOD = `name: one vote
ballots:
  - { id: poll, title: "Poll", options: [yes, no] }
devices:
  - id: kiosk-01
    voters: [{ number: 1, id: v-1, pin: "1234" }]
steps:
  - keys: "#1#1234#"
  - press: opt1
  - press: confirm
  - wait: 2s
  - expect: { receipt: true }
`;

function problem(text: string): { line: number; message: string } {
  try {
    parseScenario(text, "bad.yaml");
  } catch (e) {
    if (e instanceof ScenarioError) return { line: e.line, message: e.message };
    throw e;
  }
  throw new Error("the scenario was accepted");
}

describe("reading a scenario file", () => {
  it("a good file becomes steps that know their lines and devices", () => {
    const spec = parseScenario(GOOD, "good.yaml");
    expect(spec.devices.map((d) => [d.id, d.key, d.auth])).toEqual([["kiosk-01", "atecc608a", "pin"]]);
    expect(spec.steps.map((s) => [s.line, s.device, s.action.kind])).toEqual([
      [8, "kiosk-01", "keys"],
      [9, "kiosk-01", "press"],
      [10, "kiosk-01", "press"],
      [11, undefined, "wait"],
      [12, "kiosk-01", "expect"],
    ]);
    expect(spec.steps[3].action).toEqual({ kind: "wait", ms: 2000 });
    expect(spec.ballots[0].options).toEqual([{ id: "yes", label: "Yes" }, { id: "no", label: "No" }]);
  });

  it("broken YAML is reported at its line", () => {
    expect(problem(GOOD.replace('  - press: opt1', '  - press: [opt1'))).toMatchObject({ line: 10 });
    expect(problem(GOOD.replace('  - press: opt1', '  - press: [opt1')).message).toMatch(/^bad\.yaml:10: YAML: /);
  });

  it("a misspelt key names the key and its line", () => {
    expect(problem(GOOD.replace("  - wait: 2s", "  - wiat: 2s"))).toEqual({ line: 11, message: 'bad.yaml:11: steps[3]: unknown key "wiat"' });
  });

  it("a button the kiosk does not have is refused with the buttons it has", () => {
    const p = problem(GOOD.replace("press: opt1", "press: opt9"));
    expect(p.line).toBe(9);
    expect(p.message).toContain("opt1");
    expect(p.message).toContain("confirm");
  });

  it("a duration that is not one says how to write it", () => {
    expect(problem(GOOD.replace("wait: 2s", "wait: two seconds"))).toEqual({
      line: 11,
      message: 'bad.yaml:11: steps[3].wait: "two seconds" is not a duration (use e.g. 250ms, 90s, 5m, 1h, 1d)',
    });
  });

  it("with two kiosks a voter step must say which one", () => {
    const two = GOOD.replace("devices:\n", "devices:\n  - id: kiosk-02\n");
    expect(problem(two)).toEqual({ line: 9, message: "bad.yaml:9: this step acts on a device: say which with device: (one of kiosk-02, kiosk-01)" });
  });

  it("a step naming an unknown device, two actions in one step, and an empty expect are refused", () => {
    expect(problem(GOOD.replace('  - keys: "#1#1234#"', '  - { device: kiosk-9, keys: "1" }')).message).toBe("bad.yaml:8: no device named kiosk-9 (devices: kiosk-01)");
    expect(problem(GOOD.replace("  - press: opt1", "  - { press: opt1, wait: 1s }")).message).toBe("bad.yaml:9: steps[1]: a step has one action, this one has wait and press");
    expect(problem(GOOD.replace("  - expect: { receipt: true }", "  - expect: {}")).message).toMatch(/^bad\.yaml:12: steps\[4\]\.expect: an expect needs at least one check/);
  });

  it("device and voter mistakes are caught: a bad id, a doubled voter number, a finger with no module, a meter on a missing input", () => {
    expect(problem(GOOD.replace("id: kiosk-01", "id: Kiosk_01")).message).toBe("bad.yaml:5: devices[0].id: must be a device id (PROTOCOL §1)");
    expect(problem(GOOD.replace('voters: [{ number: 1, id: v-1, pin: "1234" }]', 'voters: [{ number: 1, id: v-1, pin: "1234" }, { number: 1, id: v-2, pin: "9999" }]')).message).toBe(
      "bad.yaml:6: voter number 1 is enrolled twice on kiosk-01",
    );
    expect(problem(GOOD.replace('voters: [{ number: 1, id: v-1, pin: "1234" }]', 'fingerprint: false\n    voters: [{ number: 1, id: v-1, finger: alice }]')).message).toBe(
      "bad.yaml:7: kiosk-01 has no fingerprint module (fingerprint: false)",
    );
    expect(problem(GOOD.replace('    voters: [{ number: 1, id: v-1, pin: "1234" }]', "    meters: [{ ch: 3, load: 500 }]")).message).toBe(
      "bad.yaml:6: the kiosk board has no S0 input for channel 3 (inputs: 0)",
    );
    expect(problem(GOOD.replace('pin: "1234"', 'pin: "12"')).message).toBe("bad.yaml:6: devices[0].voters[0].pin: a PIN is 4 to 8 digits");
  });

  it("durations read the way people write them", () => {
    expect([parseDuration("250ms"), parseDuration("90s"), parseDuration("5m"), parseDuration("1h"), parseDuration("1d"), parseDuration("-1m"), parseDuration(1.5)]).toEqual([
      250, 90_000, 300_000, 3_600_000, 86_400_000, -60_000, 1500,
    ]);
  });
});
