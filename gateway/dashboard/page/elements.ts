// Building the page's elements: text only through textContent, never HTML
// strings, so nothing the gateway serves (titles, labels, reject details) is
// ever parsed as markup.

type Child = Node | string | number | null | undefined | false;

/** An element with attributes (`class`, `data-*`, `aria-*`, …) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: { readonly [name: string]: string | number | boolean | undefined } = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "number" ? String(child) : child);
  }
  return node;
}

/** Replaces an element's children. */
export function show(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false).map((c) => (typeof c === "number" ? String(c) : c)));
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the page has no #${id}`);
  return node as T;
}

const NUMBER = new Intl.NumberFormat("en", { maximumFractionDigits: 1 });

export function formatNumber(n: number): string {
  return NUMBER.format(n);
}

/** Wh as Wh, kWh or MWh, whichever reads best. */
export function formatWh(wh: number): string {
  if (Math.abs(wh) >= 1e6) return `${NUMBER.format(wh / 1e6)} MWh`;
  if (Math.abs(wh) >= 1e3) return `${NUMBER.format(wh / 1e3)} kWh`;
  return `${NUMBER.format(wh)} Wh`;
}

/** Unix seconds or milliseconds (anything above 10^11 is taken as milliseconds) as a local date and time. */
export function formatTime(unix: number): string {
  const ms = unix > 1e11 ? unix : unix * 1000;
  return new Date(ms).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" });
}

/** "12 s ago", "3 min ago", "2 h ago" from Unix seconds or milliseconds. */
export function formatAgo(unix: number, nowMs = Date.now()): string {
  const ms = unix > 1e11 ? unix : unix * 1000;
  const s = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 2 * 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}
