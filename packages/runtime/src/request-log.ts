import { host, writeErrorLine } from "./host.js";
import type { RequestEvent, RequestHook, ResponseEvent } from "./hooks.js";

/** Options of the request log. */
export interface RequestLogOptions {
  /**
   * kubectl's `-v` levels: 6 method, URL, status and time of every request; 7 adds request headers; 8 response
   * headers and bodies (up to 1 KiB); 9 a `curl` line and bodies up to 10 KiB. Below 6 nothing is logged.
   */
  level: number;
  /** Where each entry goes (several lines in one string). Default: standard error. */
  write?: ((entry: string) => void) | undefined;
}

/** The environment variable that turns the request log on for every client without code changes: `K8S_SDK_LOG_LEVEL=8`. */
export const REQUEST_LOG_ENV = "K8S_SDK_LOG_LEVEL";

/** The log level `K8S_SDK_LOG_LEVEL` asks for, or undefined when unset, not a number, or below 6. */
export function requestLogLevelFromEnv(env: Readonly<Record<string, string | undefined>> = host.env ?? {}): number | undefined {
  const raw = env[REQUEST_LOG_ENV]?.trim();
  if (!raw || !/^\d+$/.test(raw)) return undefined;
  const level = Number(raw);
  return level >= 6 ? level : undefined;
}

const KNOWN_AUTH_TYPES = new Set(["bearer", "basic", "negotiate"]);

/**
 * A header value fit for a log, as client-go's `maskValue`: `Authorization: Bearer <masked>` (the scheme stays when
 * it is a known one, the credential never does); every other header as it is.
 */
export function maskHeaderValue(name: string, value: string): string {
  if (name.toLowerCase() !== "authorization" || value === "") return value;
  const space = value.indexOf(" ");
  const scheme = space > 0 ? value.slice(0, space) : value;
  if (!KNOWN_AUTH_TYPES.has(scheme.toLowerCase())) return "<masked>";
  return value.length > scheme.length + 1 ? `${scheme} <masked>` : scheme;
}

const STATUS_TEXT: Record<number, string> = {
  101: "Switching Protocols", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
  404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict", 410: "Gone", 413: "Payload Too Large",
  415: "Unsupported Media Type", 422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
  502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};

const canonical = (name: string) => name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

function headerBlock(title: string, headers: Iterable<[string, string]>): string[] {
  const lines = [...headers].map(([name, value]) => [canonical(name.toLowerCase()), maskHeaderValue(name, value)] as const);
  lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [`${title}:`, ...lines.map(([name, value]) => `    ${name}: ${value}`)];
}

function pairs(raw: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

function truncated(body: string, level: number): string {
  const max = level >= 10 ? Infinity : level >= 9 ? 10_240 : 1_024;
  return body.length <= max ? body : `${body.slice(0, max)} [truncated ${body.length - max} chars]`;
}

function curl(request: RequestEvent, headers: Array<[string, string]>): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const flags = headers.map(([name, value]) => ` -H ${quote(`${canonical(name.toLowerCase())}: ${maskHeaderValue(name, value)}`)}`).join("");
  return `curl -v -X${request.method}${flags} ${quote(request.url)}`;
}

/**
 * The request log as a {@link RequestHook}: one entry per attempt, written when it ends (a response's headers, or
 * its failure), plus the body once read at level 8 and above. Credentials are masked; the connection's own
 * credentials are never seen by the runtime, only the masked copy a connection reports in `sentHeaders`.
 */
export function requestLogHook(options: RequestLogOptions): RequestHook | undefined {
  const { level } = options;
  if (!(level >= 6)) return undefined;
  const write = options.write ?? writeErrorLine;
  return (request) => {
    const requestLines = (sent: Readonly<Record<string, string>> | undefined): string[] => {
      if (level < 7) return [];
      const headers = Object.entries(sent ?? request.headers);
      return [
        ...(level >= 9 ? [curl(request, headers)] : [`${request.method} ${request.url}`]),
        ...headerBlock("Request Headers", headers),
        ...(level >= 8 && request.body !== undefined ? [`Request Body: ${truncated(request.body, level)}`] : []),
      ];
    };
    return {
      response(response: ResponseEvent) {
        const status = `${response.status}${STATUS_TEXT[response.status] ? ` ${STATUS_TEXT[response.status]}` : ""}`;
        const retrying = response.retrying ? " (will retry)" : "";
        write(
          [
            ...requestLines(response.sentHeaders),
            `${request.method} ${request.url} ${status} in ${Math.round(response.durationMs)} milliseconds${retrying}`,
            ...(level >= 8 && response.rawHeaders ? headerBlock("Response Headers", pairs(response.rawHeaders)) : []),
          ].join("\n"),
        );
      },
      error(error: unknown, durationMs: number) {
        const message = error instanceof Error ? error.message : String(error);
        write([...requestLines(undefined), `${request.method} ${request.url} failed after ${Math.round(durationMs)} milliseconds: ${message}`].join("\n"));
      },
      body(text: string) {
        if (level >= 8) write(`Response Body: ${truncated(text, level)}`);
      },
      closed(durationMs: number, error: unknown) {
        const how = error === undefined ? "closed" : `failed: ${error instanceof Error ? error.message : String(error)}`;
        write(`${request.method} ${request.url} stream ${how} after ${Math.round(durationMs)} milliseconds`);
      },
    };
  };
}
