// The broker a simulator run starts for itself when it is given no other:
// aedes on 127.0.0.1 at a free port, open to any client (the ACL of PROTOCOL
// §5 belongs to the gateway's own embedded broker, which `--gateway` runs use).
import { createServer, type AddressInfo, type Server } from "node:net";
import { Aedes } from "aedes";

export interface RunBroker {
  readonly url: string;
  readonly port: number;
  /** Clients connected now. */
  readonly clients: () => number;
  close(): Promise<void>;
}

export async function startRunBroker(host = "127.0.0.1", port = 0): Promise<RunBroker> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://${host}:${bound}`,
    port: bound,
    clients: () => aedes.connectedClients,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
