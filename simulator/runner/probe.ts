// One TCP connection attempt to a broker before a run, so that an unreachable
// broker is reported in plain words at once (the devices then keep retrying
// with the firmware's own back-off, as they would in the field).
import { connect } from "node:net";

/** Undefined when something accepts connections at the URL's host and port; else why not. */
export function probeBroker(url: string, timeoutMs = 2000): Promise<string | undefined> {
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "mqtt:") return Promise.resolve(`only mqtt:// URLs are supported, got ${parsed.protocol}`);
    host = parsed.hostname.replace(/^\[|\]$/g, "");
    port = parsed.port === "" ? 1883 : Number(parsed.port);
  } catch {
    return Promise.resolve(`"${url}" is not a URL`);
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | undefined) => {
      socket.removeAllListeners();
      socket.on("error", () => undefined);
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    socket.once("connect", () => done(undefined));
    socket.once("error", (e: NodeJS.ErrnoException) => done(`${e.code ?? e.message} at ${host}:${port}`));
  });
}
