// The MQTT link the device application talks through. One connection at a
// time; the application owns reconnection, back-off and QoS 1 bookkeeping
// (it waits for each PUBACK), so every implementation stays a thin transport:
// Moddable's ECMA-419 client on the board, an in-process link or mqtt.js in
// the simulator.

export interface MqttWill {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
  readonly qos: 0 | 1;
}

export interface MqttConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Client id; PROTOCOL §1: equal to the device id and to the user name. */
  readonly clientId: string;
  readonly user: string;
  readonly password: string;
  readonly keepAliveSeconds: number;
  readonly will: MqttWill;
}

export interface MqttService {
  /** Starts one connection attempt; ends in exactly one onConnect or onClose. */
  connect(options: MqttConnectOptions): void;
  /**
   * Publishes; returns the packet id for QoS 1 (its PUBACK arrives through
   * onPuback), 0 for QoS 0. Throws when not connected.
   */
  publish(topic: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): number;
  subscribe(filters: readonly string[]): void;
  /** Ends the connection without a will (a clean DISCONNECT); no onClose follows. */
  disconnect(): void;
  readonly connected: boolean;

  onConnect?: () => void;
  /** The connection ended or the attempt failed; `reason` is for the technician. */
  onClose?: (reason: string) => void;
  onMessage?: (topic: string, payload: Uint8Array, retained: boolean) => void;
  onPuback?: (packetId: number) => void;
}

/** Parses `mqtt://host[:port]` (the only scheme the board speaks); throws naming the problem. */
export function parseBrokerUrl(url: string): { host: string; port: number } {
  const match = /^mqtt:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?\/?$/.exec(url);
  if (!match) throw new RangeError(`broker URL ${JSON.stringify(url)} must look like mqtt://host[:port]`);
  const port = match[2] === undefined ? 1883 : Number(match[2]);
  if (port < 1 || port > 65535) throw new RangeError(`broker port ${port} is out of range`);
  return { host: match[1], port };
}
