import { Agent, request } from "node:https";
import { Readable } from "node:stream";
import { inject } from "vitest";

/** A minimal connection to the shared control plane as admin (client certificate), for runtime tests. */
export interface TestConnection {
  readonly server: string;
  readonly namespace: string;
  fetch(input: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Connects to the shared control plane with node:https (keep-alive, the admin client certificate), streaming
 * bodies so watches work. Runtime tests use it so they do not depend on @org/k8s-auth's transport.
 */
export function adminTestConnection(namespace = "default", identity: "admin" | "unprivileged" = "admin"): TestConnection {
  const cp = inject("controlPlane");
  return identity === "admin"
    ? testConnection({ server: cp.server, caPem: cp.caPem, certPem: cp.admin.certPem, keyPem: cp.admin.keyPem }, namespace)
    : testConnection({ server: cp.server, caPem: cp.caPem, token: cp.unprivileged.token }, namespace);
}

/** A connection to any control plane by client certificate or bearer token. */
export function testConnection(
  access: { server: string; caPem: string; certPem?: string; keyPem?: string; token?: string },
  namespace = "default",
): TestConnection {
  const agent = new Agent({ keepAlive: true, ca: access.caPem, ...(access.certPem ? { cert: access.certPem, key: access.keyPem } : {}) });
  return {
    server: access.server,
    namespace,
    fetch(input, init = {}) {
      const url = new URL(input, access.server);
      const headers = new Headers(init.headers);
      const body = typeof init.body === "string" ? init.body : undefined;
      // node:http sends DELETE bodies without framing unless told the length.
      if (body !== undefined) headers.set("content-length", String(Buffer.byteLength(body)));
      if (access.token) headers.set("authorization", `Bearer ${access.token}`);
      return new Promise<Response>((resolve, reject) => {
        const req = request(url, { method: init.method ?? "GET", agent, headers: Object.fromEntries(headers) }, (res) => {
          const body = res.statusCode === 204 ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
          const responseHeaders = new Headers();
          for (const [key, value] of Object.entries(res.headers)) if (typeof value === "string") responseHeaders.set(key, value);
          resolve(new Response(body, { status: res.statusCode ?? 0, headers: responseHeaders }));
        });
        req.on("error", reject);
        const signal = init.signal;
        if (signal) {
          if (signal.aborted) req.destroy(signal.reason as Error);
          signal.addEventListener("abort", () => req.destroy(signal.reason as Error), { once: true });
        }
        req.end(body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}
