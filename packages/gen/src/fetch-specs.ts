import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GroupVersionDocument } from "./openapi.js";
import { parseGroupVersionKey } from "./openapi.js";
import { type GroupFilter, checkGroupPatterns, parseDocument, selectGroupVersion } from "./spec-source.js";
import { MAX_DOCUMENT_BYTES } from "./validate-document.js";
import { type HttpConnection, type HttpResponse, Transport, type TransportOptions, isKubernetesError, isTransportError } from "@org/k8s-runtime";

/**
 * What the generator needs of a connection (an `@org/k8s-auth` Connection fits). Requests go through
 * `@org/k8s-runtime`'s transport, so spec downloads follow the same policy as every API call: client-go's retry
 * rules, timeouts, typed errors, the request log (`K8S_SDK_LOG_LEVEL`) and the User-Agent.
 */
export interface SpecClient {
  /** The server's base URL (`https://host:port`). */
  readonly server: string;
  /** A request to a path on the server, as the WHATWG `fetch`. */
  fetch(input: string, init?: RequestInit): Promise<Response>;
  /** The fetch-free request path, used when present. */
  request?: HttpConnection["request"] | undefined;
  /** A redacted description of the identity, for error messages. */
  describe(): string;
}

/** Download progress. */
export interface FetchProgress {
  done: number;
  total: number;
  downloaded: number;
  cached: number;
  bytes: number;
}

export interface FetchSpecsOptions extends GroupFilter {
  /** Directory of documents cached by hash; nothing is cached when absent. */
  cacheDir?: string;
  /** Parallel downloads. Default 4. */
  concurrency?: number;
  /** Called as documents are read (downloaded or taken from the cache). */
  onProgress?: (progress: FetchProgress) => void;
  signal?: AbortSignal;
  /** How requests are sent (timeouts, retries, log, User-Agent). Default: the runtime's, with 60 s per document. */
  transport?: TransportOptions | undefined;
}

/** A failure talking to the cluster, with the URL and the identity in its message. */
export class ClusterRequestError extends Error {
  override readonly name = "ClusterRequestError";
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function transportFor(client: SpecClient, options: TransportOptions | undefined): Transport {
  const connection: HttpConnection = {
    server: client.server,
    namespace: "",
    fetch: (input, init) => client.fetch(input, init),
    ...(client.request ? { request: client.request.bind(client) } : {}),
  };
  return new Transport(connection, { timeoutMs: 60_000, ...options });
}

async function get(transport: Transport, client: SpecClient, path: string, signal: AbortSignal | undefined): Promise<HttpResponse> {
  const url = `${client.server}${path}`;
  try {
    return await transport.request({ method: "GET", path, accept: "application/json", ...(signal ? { signal } : {}) });
  } catch (error) {
    if (isTransportError(error)) throw new ClusterRequestError(`cannot reach the cluster: ${error.message}`, url, undefined, { cause: error });
    if (!isKubernetesError(error)) throw error;
    const who = client.describe();
    const said = (error.status.message ?? "").slice(0, 300);
    if (error.code === 401) {
      throw new ClusterRequestError(`GET ${url}: 401 Unauthorized: the server rejected the credentials of ${who} (expired token or wrong cluster?)`, url, 401, { cause: error });
    }
    if (error.code === 403) {
      throw new ClusterRequestError(
        `GET ${url}: 403 Forbidden for ${who}: it needs "get" on the non-resource URLs /openapi/v3 and /openapi/v3/* ` +
          `(the ClusterRole system:discovery grants them to authenticated users)${said ? `; server said: ${said}` : ""}`,
        url,
        403,
        { cause: error },
      );
    }
    if (error.code === 404 && path === "/openapi/v3") {
      throw new ClusterRequestError(
        `the server at ${client.server} does not serve /openapi/v3 (Kubernetes before 1.24, or the endpoint is disabled). ` +
          "k8s-gen needs OpenAPI v3: Swagger 2.0 (/openapi/v2) cannot drive openapi-typescript 7 and loses int-or-string.",
        url,
        404,
        { cause: error },
      );
    }
    throw new ClusterRequestError(`GET ${url}: HTTP ${error.code}${said ? `: ${said}` : ""}`, url, error.code, { cause: error });
  }
}

/**
 * A response body as text, refusing one larger than `limit` bytes (read as it arrives, never all at once). A body
 * that breaks off while it is read is a failure talking to the cluster, like any other.
 */
async function boundedText(res: HttpResponse, url: string, limit = MAX_DOCUMENT_BYTES): Promise<string> {
  const declared = Number(res.header("content-length") ?? NaN);
  const tooLarge = () => new ClusterRequestError(`GET ${url}: the response is larger than the ${limit / 2 ** 20} MiB k8s-gen reads`, url);
  if (declared > limit) {
    res.cancel();
    throw tooLarge();
  }
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += chunk.byteLength;
      if (size > limit) {
        res.cancel();
        throw tooLarge();
      }
      text += decoder.decode(chunk, { stream: true });
    }
  } catch (error) {
    if (isTransportError(error)) throw new ClusterRequestError(`cannot read ${url}: ${error.message}`, url, undefined, { cause: error });
    throw error;
  }
  return text + decoder.decode();
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Reads `/openapi/v3` discovery and the selected group-version documents, `concurrency` at a time. Documents are
 * cached by the hash in their discovery URL, so a re-run against an unchanged cluster downloads nothing.
 */
export async function fetchSpecs(client: SpecClient, options: FetchSpecsOptions = {}): Promise<GroupVersionDocument[]> {
  const discoveryUrl = `${client.server}/openapi/v3`;
  const transport = transportFor(client, options.transport);
  const discoveryRes = await get(transport, client, "/openapi/v3", options.signal);
  let discovery: unknown;
  try {
    discovery = JSON.parse(await boundedText(discoveryRes, discoveryUrl));
  } catch (error) {
    if (error instanceof ClusterRequestError) throw error;
    throw new ClusterRequestError(`GET ${discoveryUrl}: the discovery document is not valid JSON`, discoveryUrl);
  }
  if (!isObject(discovery) || !isObject(discovery.paths)) {
    throw new ClusterRequestError(`GET ${discoveryUrl}: unexpected document (#/paths: expected an object of group-versions)`, discoveryUrl);
  }
  const relativeUrl = (entry: unknown) => {
    const url = isObject(entry) ? entry.serverRelativeURL : undefined;
    return typeof url === "string" && url.startsWith("/") && URL.canParse(url, "http://x") ? url : undefined;
  };
  const served = Object.entries(discovery.paths)
    .map(([key, entry]) => ({ key, gv: parseGroupVersionKey(key), url: relativeUrl(entry) }))
    .filter((e): e is { key: string; gv: { group: string; version: string }; url: string } => e.gv !== undefined && typeof e.url === "string");
  checkGroupPatterns(options, served.map((e) => e.gv), `the cluster at ${client.server}`);
  const wanted = served.filter((e) => selectGroupVersion(options, e.gv.group, e.gv.version)).sort((a, b) => (a.key < b.key ? -1 : 1));

  const progress: FetchProgress = { done: 0, total: wanted.length, downloaded: 0, cached: 0, bytes: 0 };
  options.onProgress?.({ ...progress });
  const results: GroupVersionDocument[] = new Array(wanted.length);
  if (options.cacheDir) await mkdir(options.cacheDir, { recursive: true });

  let next = 0;
  const worker = async () => {
    while (next < wanted.length) {
      const index = next++;
      const { key, gv, url } = wanted[index]!;
      const hash = new URL(url, "http://x").searchParams.get("hash");
      const cacheFile = options.cacheDir && hash && /^[0-9A-Fa-f]+$/.test(hash) ? join(options.cacheDir, `${hash}.json`) : undefined;
      const where = `${client.server}${url.split("?")[0]}`;
      let text: string | undefined;
      let document: GroupVersionDocument["document"] | undefined;
      if (cacheFile) text = await readFile(cacheFile, "utf8").catch(() => undefined);
      if (text !== undefined) {
        // A cached copy that no longer validates (damaged, or cached by an older k8s-gen) is downloaded again.
        try {
          document = parseDocument(text, where);
          progress.cached++;
        } catch {
          text = undefined;
        }
      }
      if (text === undefined) {
        text = await boundedText(await get(transport, client, url, options.signal), `${client.server}${url}`);
        progress.downloaded++;
        progress.bytes += Buffer.byteLength(text);
        document = parseDocument(text, where); // only a valid document is cached
        if (cacheFile) {
          const tmp = `${cacheFile}.${process.pid}.tmp`;
          await writeFile(tmp, text);
          await rename(tmp, cacheFile);
        }
      }
      results[index] = { key, ...gv, document: document! };
      progress.done++;
      options.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, wanted.length)) }, worker));
  return results;
}
