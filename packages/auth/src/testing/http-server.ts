/** A loopback HTTP server for transport unit tests. Not part of the package's API. */
import { type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** Answers one request; `body` is the request body as text. */
export type TestHandler = (url: string, body: string, res: ServerResponse, headers: IncomingHttpHeaders, req: IncomingMessage) => void;

export interface TestServer {
  server: Server;
  origin: string;
  /** TCP connections accepted so far. */
  readonly connections: number;
  handle(handler: TestHandler): void;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  let handler: TestHandler = (_url, _body, res) => res.end();
  let connections = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => handler(req.url ?? "", body, res, req.headers, req));
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    server,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    handle(next) {
      handler = next;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
