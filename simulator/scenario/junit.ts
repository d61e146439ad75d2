// JUnit XML for CI: one test suite per scenario file, one test case per
// expectation (named by its line), a failed step as an error, and the run's
// trace attached to every failure so the CI page shows what happened.
import type { ScenarioResult } from "./execute";

function escape(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    // XML 1.0 allows no control characters but tab, LF and CR.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "?");
}

export function junitXml(results: readonly ScenarioResult[], engine: string): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = results.reduce((n, r) => n + r.checks.filter((c) => !c.ok).length, 0);
  const errors = results.filter((r) => r.error).length;
  const tests = results.reduce((n, r) => n + r.checks.length + (r.error ? 1 : 0), 0);
  out.push(`<testsuites name="signet sim (${escape(engine)})" tests="${tests}" failures="${failures}" errors="${errors}">`);
  for (const r of results) {
    const suiteFailures = r.checks.filter((c) => !c.ok).length;
    out.push(
      `  <testsuite name="${escape(r.name)}" file="${escape(r.file)}" tests="${r.checks.length + (r.error ? 1 : 0)}" failures="${suiteFailures}" errors="${r.error ? 1 : 0}" time="${(r.virtualMs / 1000).toFixed(3)}">`,
    );
    const trace = escape(r.trace.join("\n"));
    for (const c of r.checks) {
      const name = escape(`line ${c.line}: ${c.device ? `${c.device} ` : ""}${c.description}`);
      if (c.ok) out.push(`    <testcase classname="${escape(r.file)}" name="${name}"/>`);
      else out.push(`    <testcase classname="${escape(r.file)}" name="${name}">`, `      <failure message="${escape(c.detail)}">${trace}</failure>`, "    </testcase>");
    }
    if (r.error)
      out.push(
        `    <testcase classname="${escape(r.file)}" name="${escape(`line ${r.error.line}: step`)}">`,
        `      <error message="${escape(r.error.message)}">${trace}</error>`,
        "    </testcase>",
      );
    out.push("  </testsuite>");
  }
  out.push("</testsuites>", "");
  return out.join("\n");
}
