// Who may do what on the broker (PROTOCOL §5), in one place: the embedded
// broker asks these functions, and the Mosquitto generator writes the same
// rules as an ACL file. Each answer is null (allowed) or why it is refused.
import { TOPIC_ROOT, deviceTopic, gatewayStateTopic, isId, parseTopic, type UplinkType } from "../../firmware/protocol/index.ts";

/** The MQTT user name of the gateway's own client; never a device id (those start with [a-z0-9]). */
export const GATEWAY_USER = "_signet-gateway";

export type Principal =
  | { readonly kind: "device"; readonly id: string; readonly site: string }
  | { readonly kind: "gateway"; readonly site: string };

/** The device topics a device publishes on, with the retain flag each must carry. */
export const DEVICE_PUBLICATIONS: readonly { readonly channel: UplinkType | "state"; readonly retain: boolean }[] = [
  { channel: "vote", retain: false },
  { channel: "reading", retain: false },
  { channel: "status", retain: false },
  { channel: "state", retain: true },
];

/** Topic filters a device may subscribe to: its own ack, its site's ballots and the gateway's state. */
export function deviceSubscriptionFilters(site: string, dev: string): string[] {
  return [deviceTopic(site, dev, "ack"), `${TOPIC_ROOT}/${site}/_ballots/#`, `${TOPIC_ROOT}/${site}/_ballots/+`, gatewayStateTopic(site)];
}

/** Filters the gateway subscribes to: every uplink and state topic of its site. */
export function gatewayUplinkFilters(site: string): string[] {
  return DEVICE_PUBLICATIONS.map((p) => `${TOPIC_ROOT}/${site}/+/${p.channel}`);
}

/** Client id must equal user name (§5); the user must be the gateway or a valid device id. */
export function connectProblem(clientId: string, username: string | undefined): string | null {
  if (username === undefined || username === "") return "no user name: every client authenticates";
  if (clientId !== username) return `client id "${clientId}" is not the user name "${username}"`;
  if (username !== GATEWAY_USER && !isId("device", username)) return `user name "${username}" is not a device id`;
  return null;
}

export function publishProblem(who: Principal, topic: string, retain: boolean): string | null {
  const parsed = parseTopic(topic);
  if (who.kind === "gateway") {
    // Only the gateway publishes acks, ballots and its own state.
    if (parsed === null || parsed.site !== who.site) return `"${topic}" is not a topic of site ${who.site}`;
    if (parsed.kind === "device" && parsed.channel !== "ack") return `the gateway does not publish on device ${parsed.channel} topics`;
    return null;
  }
  if (parsed === null || parsed.kind !== "device" || parsed.site !== who.site || parsed.dev !== who.id)
    return `device ${who.id} may publish only on its own topics, not "${topic}"`;
  const allowed = DEVICE_PUBLICATIONS.find((p) => p.channel === parsed.channel);
  if (allowed === undefined) return `device ${who.id} may not publish on its ${parsed.channel} topic`;
  if (allowed.retain !== retain) return `${parsed.channel} messages must be published ${allowed.retain ? "retained" : "not retained"}`;
  return null;
}

export function subscribeProblem(who: Principal, filter: string): string | null {
  if (who.kind === "gateway") {
    return filter.startsWith(`${TOPIC_ROOT}/${who.site}/`) ? null : `the gateway subscribes only under ${TOPIC_ROOT}/${who.site}/`;
  }
  if (deviceSubscriptionFilters(who.site, who.id).includes(filter)) return null;
  const parsed = parseTopic(filter);
  if (parsed !== null && parsed.kind === "ballot" && parsed.site === who.site) return null;
  return `device ${who.id} may not subscribe to "${filter}"`;
}
