import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";
import type { Duplex } from "node:stream";
import type { UpgradedSocket } from "@org/k8s-runtime";
import type { UpgradeRequestInit, UpgradeResponse } from "../types.js";
import { http, https } from "./builtins.js";
import { NodeResponse, type SendOptions } from "./request.js";

/** The answer to an upgrade: a NodeResponse (for a refusal's body and headers) plus the socket once switched. */
class NodeUpgradeResponse extends NodeResponse implements UpgradeResponse {
  readonly socket: UpgradedSocket | undefined;
  readonly head: Uint8Array;

  constructor(res: IncomingMessage, socket: Duplex | undefined, head: Uint8Array, failure: (error: unknown) => unknown, sent: OutgoingHttpHeaders) {
    super(res, socket ? undefined : res, failure, sent);
    this.socket = socket as UpgradedSocket | undefined;
    this.head = head;
  }

  override cancel(): void {
    super.cancel();
    this.socket?.destroy();
  }
}

/**
 * Sends an HTTP/1.1 upgrade request (`Connection: Upgrade`; the caller sets `Upgrade` and its protocol headers)
 * through the same agent, TLS and proxy tunnel as every other request. Resolves with the switched socket on 101,
 * or with the refusal (status, headers, body) otherwise. The socket then belongs to the caller; the signal still
 * destroys it, and `onSettled` runs when it closes. Nothing is retried: an upgrade is never replayed.
 */
export function sendUpgrade(url: URL, init: UpgradeRequestInit, options: SendOptions): Promise<UpgradeResponse> {
  const signal = init.signal;
  signal?.throwIfAborted();
  const outgoing: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) outgoing[name.toLowerCase()] = value;
  outgoing["connection"] = "Upgrade";
  for (const [name, values] of Object.entries(options.headerLines ?? {})) outgoing[name.toLowerCase()] = [...values];
  const method = (init.method ?? "GET").toUpperCase();
  const send = url.protocol === "https:" ? https.request : http.request;

  return new Promise<UpgradeResponse>((resolve, reject) => {
    // Headers are set on the request, not passed as options, so that NODE_DEBUG=http never prints credentials.
    const req = send(url, { method, ...(options.agent ? { agent: options.agent } : {}) });
    for (const [name, value] of Object.entries(outgoing)) if (value !== undefined) req.setHeader(name, value);
    const failure = (error: unknown) => (signal?.aborted ? signal.reason : error);
    let socket: Duplex | undefined;
    let body: NodeResponse | undefined;
    const onAbort = () => {
      const reason = signal?.reason instanceof Error ? signal.reason : new Error("aborted");
      socket?.destroy(reason);
      body?.stream?.destroy(reason);
      req.destroy(reason);
    };
    let over = false;
    const settled = () => {
      signal?.removeEventListener("abort", onAbort);
      if (!over) {
        over = true;
        options.onSettled?.();
      }
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    req.once("error", (error) => {
      settled();
      reject(failure(error));
    });
    req.once("upgrade", (res: IncomingMessage, upgraded: Duplex, head: Buffer) => {
      socket = upgraded;
      upgraded.once("close", settled);
      if (upgraded.destroyed) settled();
      resolve(new NodeUpgradeResponse(res, upgraded, head, failure, outgoing));
    });
    req.once("response", (res: IncomingMessage) => {
      // Refused: a normal response whose body (usually a Status) says why; its socket goes back to the pool.
      req.on("error", () => {});
      const refused = new NodeUpgradeResponse(res, undefined, new Uint8Array(0), failure, outgoing);
      body = refused;
      res.once("close", settled);
      resolve(refused);
    });
    req.end();
  });
}
