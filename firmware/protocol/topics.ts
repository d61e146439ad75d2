// MQTT topics of PROTOCOL §5.
import { isId } from "./ids";

export const TOPIC_ROOT = "signet/v1";

/** Device-side topic leaves: uplinks, the retained state, and the gateway's answers. */
export type DeviceChannel = "vote" | "reading" | "status" | "state" | "ack";
/** The message types a device publishes signed; each travels on the topic of the same name. */
export type UplinkType = "vote" | "reading" | "status";
export const UPLINK_TYPES: readonly UplinkType[] = ["vote", "reading", "status"];

export type Topic =
  | { readonly kind: "device"; readonly site: string; readonly dev: string; readonly channel: DeviceChannel }
  | { readonly kind: "ballot"; readonly site: string; readonly ballot: string }
  | { readonly kind: "gateway-state"; readonly site: string };

const CHANNELS: readonly string[] = ["vote", "reading", "status", "state", "ack"];

export function deviceTopic(site: string, dev: string, channel: DeviceChannel): string {
  return `${TOPIC_ROOT}/${site}/${dev}/${channel}`;
}

export function ballotTopic(site: string, ballot: string): string {
  return `${TOPIC_ROOT}/${site}/_ballots/${ballot}`;
}

export function gatewayStateTopic(site: string): string {
  return `${TOPIC_ROOT}/${site}/_gateway/state`;
}

export function buildTopic(topic: Topic): string {
  switch (topic.kind) {
    case "device":
      return deviceTopic(topic.site, topic.dev, topic.channel);
    case "ballot":
      return ballotTopic(topic.site, topic.ballot);
    case "gateway-state":
      return gatewayStateTopic(topic.site);
  }
}

/** Parses a concrete topic name; null when it is not a Signet v1 topic with valid identifiers. */
export function parseTopic(name: string): Topic | null {
  const parts = name.split("/");
  if (parts.length !== 5 || parts[0] !== "signet" || parts[1] !== "v1" || !isId("site", parts[2])) return null;
  const [, , site, middle, leaf] = parts;
  if (middle === "_ballots") return isId("ballot", leaf) ? { kind: "ballot", site, ballot: leaf } : null;
  if (middle === "_gateway") return leaf === "state" ? { kind: "gateway-state", site } : null;
  if (!isId("device", middle) || !CHANNELS.includes(leaf)) return null;
  return { kind: "device", site, dev: middle, channel: leaf as DeviceChannel };
}

/** What a device subscribes to: its own ack, its site's ballots and the gateway's state. */
export function deviceSubscriptions(site: string, dev: string): string[] {
  return [deviceTopic(site, dev, "ack"), `${TOPIC_ROOT}/${site}/_ballots/#`, gatewayStateTopic(site)];
}

/** What a site's gateway subscribes to: every device uplink of the site (§5, DESIGN Ingest). */
export function gatewayUplinkFilter(site: string): string {
  return `${TOPIC_ROOT}/${site}/+/+`;
}
