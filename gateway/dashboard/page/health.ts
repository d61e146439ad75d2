// Device health (what devices report in their signed `status` and retained
// `state`, PROTOCOL §4.3) and the reject store by reason (§6).
import type { DeviceHealth, Rejects } from "./contract.ts";
import { el, formatAgo, formatDuration, formatNumber, formatTime, show } from "./elements.ts";

/** A device not heard from for this long is flagged. */
const QUIET_MS = 15 * 60_000;

export function renderDevices(container: Element, devices: readonly DeviceHealth[], nowMs = Date.now()): void {
  if (devices.length === 0) {
    show(container, el("p", { class: "empty" }, "No device is enrolled yet."));
    return;
  }
  const sorted = [...devices].sort((a, b) => a.id.localeCompare(b.id));
  show(
    container,
    el(
      "table",
      { class: "devices" },
      el(
        "thead",
        {},
        el("tr", {}, ...["device", "site", "key", "enrolment", "link", "last seen", "outbox", "firmware", "up", "heap"].map((h) => el("th", { class: ["outbox", "up", "heap"].includes(h) ? "num" : undefined }, h))),
      ),
      el(
        "tbody",
        {},
        ...sorted.map((d) => {
          const seenMs = d.lastSeen === null ? null : d.lastSeen > 1e11 ? d.lastSeen : d.lastSeen * 1000;
          const quiet = d.status !== "revoked" && (seenMs === null || nowMs - seenMs > QUIET_MS);
          return el(
            "tr",
            { "data-dev": d.id, class: [d.status, quiet ? "quiet" : ""].join(" ").trim() },
            el("td", {}, d.id),
            el("td", {}, d.site),
            el("td", {}, algText(d.alg)),
            el("td", {}, el("span", { class: `badge ${d.status}` }, d.status)),
            el("td", {}, d.state ? el("span", { class: `badge ${d.state}` }, d.state) : "—"),
            el("td", { title: d.lastSeen === null ? "" : formatTime(d.lastSeen) }, d.lastSeen === null ? "never" : formatAgo(d.lastSeen, nowMs)),
            el("td", { class: `num${(d.outbox ?? 0) > 0 ? " warn" : ""}` }, d.outbox ?? "—"),
            el("td", {}, d.fw ?? "—"),
            el("td", { class: "num" }, d.up === null ? "—" : formatDuration(d.up)),
            el("td", { class: "num" }, d.heap === null ? "—" : `${formatNumber(d.heap / 1024)} KiB`),
          );
        }),
      ),
    ),
  );
}

function algText(alg: string | number): string {
  if (alg === -7 || alg === "-7") return "ES256";
  if (alg === -8 || alg === "-8") return "EdDSA";
  return String(alg);
}

export function renderRejects(counts: Element, recent: Element, rejects: Rejects): void {
  const entries = Object.entries(rejects.counts)
    .filter((e): e is [string, number] => typeof e[1] === "number" && e[1] > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const most = Math.max(1, ...entries.map(([, n]) => n));
  show(
    counts,
    entries.length === 0
      ? el("p", { class: "empty" }, "No message has been rejected.")
      : el(
          "table",
          { class: "reasons" },
          el(
            "tbody",
            {},
            ...entries.map(([reason, n]) =>
              el("tr", { "data-reason": reason }, el("th", {}, reason), el("td", { class: "bar" }, el("div", { class: "fill", style: `width: ${(100 * n) / most}%` })), el("td", { class: "num" }, formatNumber(n))),
            ),
          ),
        ),
  );
  show(
    recent,
    rejects.recent.length === 0
      ? null
      : el(
          "table",
          { class: "recent" },
          el("thead", {}, el("tr", {}, el("th", {}, "when"), el("th", {}, "reason"), el("th", {}, "topic"), el("th", {}, "detail"))),
          el(
            "tbody",
            {},
            ...rejects.recent.map((r) =>
              el("tr", { "data-reason": r.reason }, el("td", { title: formatTime(r.at) }, formatAgo(r.at)), el("td", {}, el("code", {}, r.reason)), el("td", {}, el("code", {}, r.topic)), el("td", { class: "detail" }, r.detail)),
            ),
          ),
        ),
  );
}
