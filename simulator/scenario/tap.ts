// A tap on one device's MQTT service: every publish going out and every
// message coming in is recorded with the virtual time, before the firmware
// sees it. The service object itself is kept (the device assembly tells a
// power cut apart from a clean disconnect by its class), only its `publish`
// and `onMessage` are wrapped. The tap can also take the device's own network
// down: the connection drops as a lost link would, and attempts fail until it
// comes back. No Node APIs.
import type { MqttConnectOptions, MqttService } from "../../firmware/hal/mqtt";
import type { Timers } from "../../firmware/hal/timers";

export interface Traffic {
  readonly at: number;
  readonly dev: string;
  readonly direction: "out" | "in";
  readonly topic: string;
  readonly payload: Uint8Array;
}

export interface TapOptions {
  readonly dev: string;
  readonly timers: Timers;
  readonly record: (t: Traffic) => void;
  /** Ends the live connection as a lost network would (publishes the will where the transport can). */
  readonly drop: (service: MqttService) => void;
}

export class MqttTap {
  readonly #options: TapOptions;
  #service: MqttService | undefined;
  #down = false;

  constructor(options: TapOptions) {
    this.#options = options;
  }

  get down(): boolean {
    return this.#down;
  }

  /** Wraps a service made for one boot of the device. */
  wrap<T extends MqttService>(service: T): T {
    const { dev, timers, record } = this.#options;
    this.#service = service;
    const publish = service.publish.bind(service);
    const connect = service.connect.bind(service);
    service.publish = (topic, payload, qos, retain) => {
      const id = publish(topic, payload, qos, retain);
      record({ at: timers.now(), dev, direction: "out", topic, payload: payload.slice() });
      return id;
    };
    service.connect = (options: MqttConnectOptions) => {
      if (!this.#down) return connect(options);
      timers.set(() => service.onClose?.("network unreachable"), 1000);
    };
    let handler: MqttService["onMessage"];
    Object.defineProperty(service, "onMessage", {
      configurable: true,
      get: () => (handler ? deliver : undefined),
      set: (h: MqttService["onMessage"]) => (handler = h),
    });
    const deliver = (topic: string, payload: Uint8Array, retained: boolean) => {
      record({ at: timers.now(), dev, direction: "in", topic, payload: payload.slice() });
      handler?.(topic, payload, retained);
    };
    return service;
  }

  /** The device's network goes (true) or comes back (false). */
  setDown(down: boolean): void {
    this.#down = down;
    const service = this.#service;
    if (down && service?.connected) this.#options.drop(service);
  }
}
