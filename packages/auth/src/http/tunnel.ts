import { http, https } from "./builtins.js";
import type { Socket } from "node:net";

/**
 * Opens a tunnel to `host:port` through an HTTP(S) proxy with `CONNECT`, as Go's transport does for every proxied
 * request. Credentials in the proxy URL become `Proxy-Authorization: Basic`. The proxy itself is verified against
 * the system CAs (an `https://` proxy is not the API server, so the kubeconfig's CA does not apply to it).
 */
export function connectTunnel(proxy: URL, host: string, port: number, timeoutMs = 30_000): Promise<Socket> {
  const authority = `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxy.username) {
    const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers["proxy-authorization"] = `Basic ${Buffer.from(user).toString("base64")}`;
  }
  const where = `proxy ${proxy.origin}`;
  const send = proxy.protocol === "https:" ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send({
      host: proxy.hostname.replace(/^\[|\]$/g, ""),
      port: Number(proxy.port) || (proxy.protocol === "https:" ? 443 : 80),
      method: "CONNECT",
      path: authority,
      headers,
      agent: false,
      timeout: timeoutMs,
    });
    req.once("connect", (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(Object.assign(new Error(`${where} refused CONNECT ${authority}: ${res.statusCode} ${res.statusMessage ?? ""}`.trim()), { code: "EPROXY" }));
        return;
      }
      socket.setTimeout(0);
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.once("timeout", () => req.destroy(Object.assign(new Error(`${where} did not answer CONNECT within ${timeoutMs} ms`), { code: "ETIMEDOUT" })));
    req.once("error", (error) => reject(Object.assign(new Error(`${where}: ${error.message}`, { cause: error }), { code: (error as { code?: string }).code })));
    req.end();
  });
}
