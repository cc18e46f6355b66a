import { request } from "node:https";

/** How to reach the control plane as a given identity. Plain data, so it can cross worker boundaries. */
export interface ControlPlaneAccess {
  /** `https://127.0.0.1:PORT` */
  server: string;
  /** PEM CA that signed the serving certificate. */
  caPem: string;
  /** Client certificate (PEM) for certificate authentication. */
  certPem?: string;
  keyPem?: string;
  /** Bearer token. */
  token?: string;
}

/** A decoded response from the API server. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
}

/**
 * Sends one request to the control plane with the given identity. A tool for tests and set-up, not a client: it
 * keeps no connection and follows no redirects.
 */
export function apiRequest(
  access: ControlPlaneAccess,
  method: string,
  path: string,
  body?: unknown,
  options: { timeoutMs?: number; contentType?: string } = {},
): Promise<ApiResponse> {
  const url = new URL(path, access.server);
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: access.caPem,
        cert: access.certPem,
        key: access.keyPem,
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
        headers: {
          accept: "application/json",
          ...(access.token ? { authorization: `Bearer ${access.token}` } : {}),
          ...(payload !== undefined ? { "content-type": options.contentType ?? "application/json" } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${url.href} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

async function ensureCreated(access: ControlPlaneAccess, path: string, object: unknown): Promise<void> {
  const res = await apiRequest(access, "POST", path, object);
  if (res.status !== 201 && res.status !== 409) {
    throw new Error(`POST ${path} failed with HTTP ${res.status}: ${res.text}`);
  }
}

/** Options for {@link mintServiceAccountToken}. */
export interface ServiceAccountTokenOptions {
  namespace: string;
  name: string;
  /** Lifetime in seconds; the server enforces at least 600. Default 3600. */
  expirationSeconds?: number;
  audiences?: string[];
}

/**
 * Mints a token for a service account through the TokenRequest API, creating the namespace and the service account
 * if they do not exist. `access` must be allowed to do that (the admin identity is).
 */
export async function mintServiceAccountToken(
  access: ControlPlaneAccess,
  options: ServiceAccountTokenOptions,
): Promise<string> {
  const { namespace, name } = options;
  await ensureCreated(access, "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  await ensureCreated(access, `/api/v1/namespaces/${namespace}/serviceaccounts`, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name },
  });
  const path = `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`;
  const res = await apiRequest(access, "POST", path, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: options.expirationSeconds ?? 3600, ...(options.audiences ? { audiences: options.audiences } : {}) },
  });
  const token = (res.json as { status?: { token?: string } } | undefined)?.status?.token;
  if (res.status !== 201 || !token) throw new Error(`POST ${path} failed with HTTP ${res.status}: ${res.text}`);
  return token;
}
