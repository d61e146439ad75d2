// The dashboard page: polls the gateway's public read API every few seconds
// and redraws each section; the receipt lookup verifies in this browser.
import { renderBallots } from "./ballots.ts";
import { getJson, type BallotView, type Bucket, type DeviceHealth, type EnergySeries, type Rejects, type Summary } from "./contract.ts";
import { byId, el, formatNumber, show } from "./elements.ts";
import { EnergyCharts, energyWindow } from "./energy.ts";
import { renderDevices, renderRejects } from "./health.ts";
import { ReceiptLookup } from "./lookup.ts";

const POLL_MS = 3000;

let ballots: readonly BallotView[] = [];
let site: string | null = null;

const lookup = new ReceiptLookup(
  {
    form: byId<HTMLFormElement>("receipt-form"),
    code: byId<HTMLInputElement>("receipt-code"),
    result: byId("receipt-result"),
    servedKey: byId("served-key"),
    keyStatus: byId("key-status"),
    pinForm: byId<HTMLFormElement>("pin-form"),
    pinInput: byId<HTMLTextAreaElement>("pin-key"),
    unpin: byId<HTMLButtonElement>("unpin"),
  },
  () => ballots,
);
const charts = new EnergyCharts(byId("energy-site"), byId("energy-devices"), byId("energy-totals"));
const bucket = byId<HTMLSelectElement>("energy-bucket");
const span = byId<HTMLSelectElement>("energy-span");
const device = byId<HTMLSelectElement>("energy-device");

/** Runs one section's refresh; a failure is shown in that section and the others go on. */
async function section(id: string, refresh: () => Promise<void>): Promise<void> {
  const status = byId(`${id}-status`);
  try {
    await refresh();
    show(status);
  } catch (e) {
    show(status, el("p", { class: "verdict error" }, `Could not load: ${e instanceof Error ? e.message : String(e)}`));
  }
}

async function refreshSummary(): Promise<void> {
  const summary = await getJson<Summary>("/api/summary");
  site = summary.site;
  show(
    byId("summary"),
    el("span", {}, "log ", el("strong", { "data-testid": "log-origin" }, summary.origin)),
    el("span", {}, el("strong", { "data-testid": "log-size" }, formatNumber(summary.size)), " entries"),
    el("span", {}, "site ", el("strong", {}, summary.site)),
    el("span", {}, el("strong", {}, summary.devices), " devices"),
    el("span", {}, el("strong", {}, summary.ballotsOpen), ` ${summary.ballotsOpen === 1 ? "ballot" : "ballots"} open`),
  );
}

async function refreshBallots(): Promise<void> {
  ballots = (await getJson<{ ballots: BallotView[] }>("/api/ballots")).ballots;
  renderBallots(byId("ballot-list"), ballots);
}

async function refreshDevices(): Promise<void> {
  const { devices } = await getJson<{ devices: DeviceHealth[] }>("/api/devices");
  renderDevices(byId("device-list"), devices);
  // The energy view's device choice follows the enrolled devices.
  const ids = ["", ...devices.filter((d) => d.site === site || site === null).map((d) => d.id).sort()];
  const current = [...device.options].map((o) => o.value);
  if (ids.join(",") !== current.join(",")) {
    const chosen = device.value;
    device.replaceChildren(...ids.map((id) => el("option", { value: id }, id === "" ? "all devices" : id)));
    device.value = ids.includes(chosen) ? chosen : "";
  }
}

async function refreshRejects(): Promise<void> {
  renderRejects(byId("reject-counts"), byId("reject-recent"), await getJson<Rejects>("/api/rejects"));
}

async function refreshEnergy(): Promise<void> {
  if (site === null) return;
  const { from, to } = energyWindow(bucket.value as Bucket, Number(span.value));
  const query = new URLSearchParams({ site, bucket: bucket.value, from: String(from), to: String(to) });
  if (device.value !== "") query.set("dev", device.value);
  charts.render(await getJson<EnergySeries>(`/api/energy?${query}`), device.value || undefined);
  byId("energy-site-title").textContent = device.value === "" ? "Site total" : `${device.value} alone`;
}

let timer: number | undefined;
async function refresh(): Promise<void> {
  window.clearTimeout(timer);
  await section("summary", refreshSummary);
  await Promise.all([section("ballots", refreshBallots), section("devices", refreshDevices), section("rejects", refreshRejects)]);
  await section("energy", refreshEnergy);
  timer = window.setTimeout(() => void refresh(), POLL_MS);
}

for (const control of [bucket, span, device]) control.addEventListener("change", () => void section("energy", refreshEnergy));
window.addEventListener("resize", () => charts.resize());
void section("receipt", () => lookup.loadServedKey());
void refresh();
