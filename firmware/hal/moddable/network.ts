// Wi-Fi on the board: joins the provisioned network as a station, tells
// listeners when it has an address, and joins again after a loss.
import WiFi from "wifi";
import Net from "net"; // Moddable's network-information module, not Node's
import Timer from "timer";

const REJOIN_MS = 5000;

export class WiFiLink {
  readonly #ssid: string;
  readonly #password: string;
  #wifi: WiFi | undefined;
  #ready = false;
  onAddress?: () => void;
  onLost?: () => void;

  constructor(ssid: string, password: string) {
    this.#ssid = ssid;
    this.#password = password;
  }

  /** True while the station has an IP address. */
  get ready(): boolean {
    return this.#ready;
  }

  /** The DNS servers the network gave us. */
  get dns(): string[] {
    return this.#ready ? Net.get("DNS") : [];
  }

  start(): void {
    if (this.#wifi || !this.#ssid) return;
    WiFi.mode = WiFi.Mode.station;
    this.#wifi = new WiFi({ ssid: this.#ssid, password: this.#password || undefined }, (message) => {
      if (message === WiFi.gotIP) {
        this.#ready = true;
        this.onAddress?.();
      } else if (message === WiFi.disconnected || message === WiFi.lostIP) {
        const was = this.#ready;
        this.#ready = false;
        if (was) this.onLost?.();
        if (message === WiFi.disconnected) Timer.set(() => WiFi.connect({ ssid: this.#ssid, password: this.#password || undefined }), REJOIN_MS);
      }
    });
  }
}
