import { type Server, type Socket, connect, createServer } from "node:net";

/**
 * A loopback TCP proxy in front of the API server that a test can *partition*: while paused, nothing is forwarded
 * in either direction on any connection, old or new (as a network partition looks to both ends: requests hang,
 * nothing is refused); what arrives meanwhile is held and delivered on resume.
 */
export class PausableProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #held: Array<() => void> = [];
  #paused = false;
  port = 0;

  constructor(readonly target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      const forward = (from: Socket, to: Socket) =>
        from.on("data", (chunk: Buffer) => {
          if (this.#paused) this.#held.push(() => to.write(chunk));
          else to.write(chunk);
        });
      forward(client, upstream);
      forward(upstream, client);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => {
          this.#sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
    });
  }

  start(): Promise<void> {
    return new Promise((resolve) =>
      this.#server.listen(0, "127.0.0.1", () => {
        this.port = (this.#server.address() as { port: number }).port;
        resolve();
      }),
    );
  }

  /** The proxy's URL, to use as a kubeconfig's server. */
  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Holds every byte, on every connection, from now on. */
  pause(): void {
    this.#paused = true;
  }

  /** Delivers what was held and forwards again. */
  resume(): void {
    this.#paused = false;
    for (const deliver of this.#held.splice(0)) deliver();
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
