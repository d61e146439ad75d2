// Energy per site and per device, drawn with uPlot: the site's total per
// bucket as bars (estimated buckets — covered from the cumulative count
// across missed readings — in their own colour), and each device as a line.
import uPlot from "uplot";
import { BUCKET_SECONDS, type Bucket, type EnergyBucket, type EnergySeries } from "./contract.ts";
import { el, formatWh, show } from "./elements.ts";

const DEVICE_COLOURS = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];
const MEASURED = "#2563eb";
const ESTIMATED = "#f59e0b";

/** The query window: whole buckets, from `span` seconds back to the bucket after the current one. */
export function energyWindow(bucket: Bucket, span: number, nowMs = Date.now()): { from: number; to: number } {
  const width = BUCKET_SECONDS[bucket];
  const to = Math.ceil(nowMs / 1000 / width) * width + width;
  return { from: to - Math.ceil(span / width) * width, to };
}

export class EnergyCharts {
  readonly #site: HTMLElement;
  readonly #devices: HTMLElement;
  readonly #totals: HTMLElement;
  #siteChart: uPlot | null = null;
  #deviceChart: uPlot | null = null;
  #deviceKey = "";

  constructor(site: HTMLElement, devices: HTMLElement, totals: HTMLElement) {
    this.#site = site;
    this.#devices = devices;
    this.#totals = totals;
  }

  /** Draws one answer of /api/energy; `device` names the device it was asked for, if one. */
  render(energy: EnergySeries, device?: string): void {
    const xs = bucketStarts(energy);
    const siteData: uPlot.AlignedData = [xs, align(xs, energy.series, false), align(xs, energy.series, true)];
    const points = energy.series.filter((b) => b.wh > 0).length;
    this.#site.dataset.points = String(points);
    if (this.#siteChart === null) {
      this.#siteChart = new uPlot(
        {
          ...this.#frame(this.#site),
          series: [
            {},
            { label: "measured", stroke: MEASURED, fill: `${MEASURED}cc`, paths: uPlot.paths.bars!({ size: [0.8, 60] }), points: { show: false } },
            { label: "estimated", stroke: ESTIMATED, fill: `${ESTIMATED}cc`, paths: uPlot.paths.bars!({ size: [0.8, 60] }), points: { show: false } },
          ],
        },
        siteData,
        this.#site,
      );
    } else this.#siteChart.setData(siteData);

    const key = energy.devices.map((d) => d.dev).join(",");
    const deviceData: uPlot.AlignedData = [xs, ...energy.devices.map((d) => align(xs, d.series, null))];
    this.#devices.dataset.points = String(energy.devices.reduce((n, d) => n + d.series.filter((b) => b.wh > 0).length, 0));
    if (this.#deviceChart === null || key !== this.#deviceKey) {
      this.#deviceChart?.destroy();
      this.#deviceKey = key;
      this.#deviceChart = new uPlot(
        {
          ...this.#frame(this.#devices),
          series: [
            {},
            ...energy.devices.map((d, i) => ({ label: d.dev, stroke: DEVICE_COLOURS[i % DEVICE_COLOURS.length], width: 2, spanGaps: false, points: { size: 4 } })),
          ],
        },
        deviceData,
        this.#devices,
      );
    } else this.#deviceChart.setData(deviceData);

    const estimated = (e: { estimated: boolean }) => (e.estimated ? el("span", { class: "estimated", title: "covered from the cumulative count across missed readings" }, " (part estimated)") : null);
    show(
      this.#totals,
      el("p", { "data-testid": "site-total" }, `Site ${energy.site}${device ? `, ${device} only` : ""}: `, el("strong", {}, formatWh(energy.total.wh)), estimated(energy.total), ` in ${xs.length} buckets of ${energy.bucket}`),
      energy.devices.length === 0
        ? el("p", { class: "empty" }, "No meter readings in this window.")
        : el(
            "table",
            { class: "device-energy" },
            el("thead", {}, el("tr", {}, el("th", {}, "device"), el("th", { class: "num" }, "energy"))),
            el(
              "tbody",
              {},
              ...energy.devices.map((d, i) =>
                el(
                  "tr",
                  { "data-dev": d.dev },
                  el("td", {}, el("span", { class: "swatch", style: `background: ${DEVICE_COLOURS[i % DEVICE_COLOURS.length]}` }), d.dev),
                  el("td", { class: "num" }, formatWh(d.total.wh), estimated(d.total)),
                ),
              ),
            ),
          ),
    );
  }

  resize(): void {
    for (const [chart, box] of [
      [this.#siteChart, this.#site],
      [this.#deviceChart, this.#devices],
    ] as const)
      chart?.setSize({ width: width(box), height: HEIGHT });
  }

  #frame(box: HTMLElement): Pick<uPlot.Options, "width" | "height" | "scales" | "axes" | "legend" | "cursor"> {
    return {
      width: width(box),
      height: HEIGHT,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [{ stroke: "#475569", grid: { stroke: "#e2e8f0" } }, { label: "Wh", stroke: "#475569", grid: { stroke: "#e2e8f0" }, size: 60 }],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
  }
}

const HEIGHT = 220;

function width(box: HTMLElement): number {
  return Math.max(280, box.clientWidth || 600);
}

/** Every bucket start in the window, so gaps show as gaps and bars keep their width. */
function bucketStarts(energy: EnergySeries): number[] {
  const width = BUCKET_SECONDS[energy.bucket];
  const starts = new Set<number>();
  for (let t = Math.floor(energy.from / width) * width; t < energy.to; t += width) starts.add(t);
  for (const b of energy.series) starts.add(b.start);
  for (const d of energy.devices) for (const b of d.series) starts.add(b.start);
  return [...starts].sort((a, b) => a - b);
}

/**
 * One value per x: the bucket's Wh, or null where there is none. `estimated`
 * true/false keeps only buckets that are/are not estimated (the site's two
 * bar series); null keeps all (a device's line).
 */
function align(xs: readonly number[], series: readonly EnergyBucket[], estimated: boolean | null): (number | null)[] {
  const at = new Map(series.map((b) => [b.start, b]));
  return xs.map((x) => {
    const b = at.get(x);
    if (b === undefined) return null;
    if (estimated !== null && b.estimated !== estimated) return null;
    return b.wh;
  });
}
