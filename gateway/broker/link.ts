// The gateway's side of the broker, whichever broker it is: uplinks in,
// acks and retained state out. The embedded broker delivers in-process; an
// external broker is reached as an MQTT client.

/** Called for every message on a device uplink or state topic of the site. */
export type UplinkListener = (topic: string, payload: Uint8Array) => void;

export interface BrokerLink {
  /** Where devices connect, e.g. mqtt://127.0.0.1:1883. */
  readonly url: string;
  /** Starts delivering the site's uplinks to `listener` (one listener). */
  subscribe(listener: UplinkListener): Promise<void>;
  /** Publishes at QoS 1; resolves once the broker has taken the message. */
  publish(topic: string, payload: Uint8Array | string, retain: boolean): Promise<void>;
  close(): Promise<void>;
}
