import { CredentialError } from "../errors.js";
import { keyPairProblem } from "./pem.js";
import type { ExecConfig } from "../kubeconfig/model.js";
import type { ExecClusterInfo } from "../resolved.js";

/** Credentials an exec plugin returned. */
export interface ExecCredentials {
  token?: string;
  cert?: string;
  key?: string;
  /** Milliseconds since the epoch; `undefined`: valid until a 401. */
  expiresAt?: number;
}

const HELP =
  "\n\nIt looks like you are trying to use a client-go credential plugin that is not installed.\n\nTo learn more about this feature, consult the documentation available at:\n      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins";

/** Options of one plugin run. */
export interface ExecRunOptions {
  exec: ExecConfig;
  user: string;
  cluster: ExecClusterInfo;
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
  /** Whether standard input is a terminal (tests override it). */
  stdinIsTTY?: boolean;
}

/** The most a plugin may print; client-go reads any amount, but a credential is a few kilobytes. */
export const MAX_EXEC_OUTPUT_BYTES = 16 << 20;

/**
 * `KUBERNETES_EXEC_INFO` as client-go writes it: the cluster's exec extension is embedded as the JSON text client-go
 * kept when it decoded the kubeconfig.
 */
function execInfo(apiVersion: string, interactive: boolean, cluster: ExecClusterInfo | undefined): string {
  if (!cluster) return JSON.stringify({ kind: "ExecCredential", apiVersion, spec: { interactive } });
  const { config, ...rest } = cluster;
  const clusterJson = JSON.stringify(rest);
  const withConfig = config === undefined ? clusterJson : `${clusterJson.slice(0, -1)}${clusterJson.length > 2 ? "," : ""}"config":${config}}`;
  return `{"kind":"ExecCredential","apiVersion":${JSON.stringify(apiVersion)},"spec":{"interactive":${interactive},"cluster":${withConfig}}}`;
}

/** Runs an exec credential plugin once and validates its ExecCredential, with client-go's error messages. */
export function runExecPlugin(options: ExecRunOptions): Promise<ExecCredentials> {
  const { exec, user } = options;
  const command = exec.command!;
  // Go's exec refuses NUL bytes; Node's would quote the value (an env value may be a secret) in its error.
  const nul = [command, ...(exec.args ?? []), ...(exec.env ?? []).flatMap((v) => [v.name ?? "", v.value ?? ""])].some((part) => part.includes("\0"));
  if (nul) return Promise.reject(new CredentialError(`exec: executable ${command.replaceAll("\0", "\\0")} could not be started: a command, argument or environment variable contains a NUL byte (user "${user}")`));
  const apiVersion = exec.apiVersion!;
  const mode = exec.interactiveMode ?? "IfAvailable";
  const tty = options.stdinIsTTY ?? process.stdin.isTTY === true;
  if (mode === "Always" && !tty) {
    return Promise.reject(new CredentialError("exec plugin cannot support interactive mode: standard input is not a terminal"));
  }
  const interactive = mode !== "Never" && tty;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env)) if (value !== undefined) env[name] = value;
  for (const variable of exec.env ?? []) env[variable.name ?? ""] = variable.value ?? "";
  env.KUBERNETES_EXEC_INFO = execInfo(apiVersion, interactive, exec.provideClusterInfo ? options.cluster : undefined);

  // node:child_process is loaded on first use: most connections never run a plugin, and loading it costs a cold
  // process several milliseconds.
  return import("node:child_process").then(({ spawn }) => new Promise<ExecCredentials>((resolve, reject) => {
    const child = spawn(command, exec.args ?? [], {
      env,
      // The plugin may prompt on the terminal; its stdout carries the credential and is never shown.
      stdio: [interactive ? "inherit" : "ignore", "pipe", "inherit"],
      // Its own process group, so a hung plugin is killed together with everything it started.
      detached: !interactive,
    });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error: Error | undefined, value?: ExecCredentials) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value!);
    };
    let size = 0;
    child.stdout!.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_EXEC_OUTPUT_BYTES) chunks.push(chunk);
      else {
        killTree(child.pid, !interactive);
        child.stdout?.destroy();
        finish(new CredentialError(`exec: executable ${command} printed more than ${MAX_EXEC_OUTPUT_BYTES >> 20} MiB (user "${user}"); it was killed`));
      }
    });
    const timer = setTimeout(() => {
      killTree(child.pid, !interactive);
      child.stdout?.destroy();
      finish(new CredentialError(`exec: executable ${command} did not finish within ${options.timeoutMs} ms (user "${user}"); it was killed`));
    }, options.timeoutMs);
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        finish(new CredentialError(`exec: executable ${command} not found${HELP}${exec.installHint ? `\n\n${exec.installHint}` : ""}`));
      } else if (error.code === "EACCES") {
        finish(new CredentialError(`exec: executable ${command} is not executable (permission denied)${exec.installHint ? `\n\n${exec.installHint}` : ""}`));
      } else finish(new CredentialError(`exec: executable ${command} could not be started: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      if (code !== 0) {
        finish(new CredentialError(`exec: executable ${command} failed with exit code ${code ?? `signal ${signal}`}`));
        return;
      }
      try {
        finish(undefined, parseExecCredential(Buffer.concat(chunks).toString("utf8"), apiVersion));
      } catch (error) {
        finish(error as Error);
      }
    });
  }));
}

function killTree(pid: number | undefined, group: boolean): void {
  if (pid === undefined) return;
  try {
    process.kill(group && process.platform !== "win32" ? -pid : pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Validates a plugin's output. Messages never include the output itself. */
export function parseExecCredential(stdout: string, apiVersion: string): ExecCredentials {
  let credential: { apiVersion?: unknown; kind?: unknown; status?: unknown };
  try {
    credential = JSON.parse(stdout);
  } catch {
    throw new CredentialError("decoding stdout: the exec plugin did not print a JSON ExecCredential");
  }
  if (!credential || typeof credential !== "object" || Array.isArray(credential)) throw new CredentialError("decoding stdout: the exec plugin did not print a JSON object");
  // client-go decodes into an ExecCredential: a missing kind defaults to it, another kind is an error.
  if (credential.kind !== undefined && credential.kind !== null && credential.kind !== "" && credential.kind !== "ExecCredential") {
    throw new CredentialError(`decoding stdout: the plugin printed a ${typeof credential.kind === "string" ? JSON.stringify(credential.kind) : "non-string kind"}, not an ExecCredential`);
  }
  if (credential.apiVersion !== apiVersion) {
    throw new CredentialError(`exec plugin is configured to use API version ${apiVersion}, plugin returned version ${typeof credential.apiVersion === "string" ? credential.apiVersion : ""}`);
  }
  const status = credential.status as Record<string, unknown> | null | undefined;
  if (status === null || status === undefined) throw new CredentialError("exec plugin didn't return a status field");
  if (typeof status !== "object" || Array.isArray(status)) throw new CredentialError("decoding stdout: status must be an object");
  // client-go decodes the status with its types: each of these is a string (or null) and the timestamp is RFC 3339.
  const field = (name: string): string | undefined => {
    const value = status[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw new CredentialError(`decoding stdout: status.${name} must be a string`);
    return value || undefined;
  };
  const token = field("token");
  const cert = field("clientCertificateData");
  const key = field("clientKeyData");
  const timestamp = field("expirationTimestamp");
  if (timestamp !== undefined && !RFC3339.test(timestamp)) throw new CredentialError("decoding stdout: status.expirationTimestamp is not an RFC 3339 time");
  if (!token && !cert && !key) throw new CredentialError("exec plugin didn't return a token or cert/key pair");
  if (Boolean(cert) !== Boolean(key)) throw new CredentialError("exec plugin returned only certificate or key, not both");
  if (cert && key) {
    const problem = keyPairProblem(cert, key);
    if (problem) throw new CredentialError(`failed parsing client key/certificate: ${problem}`);
  }
  const expiry = timestamp !== undefined ? Date.parse(timestamp) : undefined;
  return { ...(token ? { token } : {}), ...(cert ? { cert, key: key! } : {}), ...(expiry !== undefined && !Number.isNaN(expiry) ? { expiresAt: expiry } : {}) };
}

// Go's time.RFC3339 as time.Parse accepts it (fractional seconds allowed).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Caches a plugin's credentials until `expirationTimestamp` (no skew, as client-go), runs the plugin once for any
 * number of concurrent callers, and runs it again after a 401 that was answered to the cached credentials.
 */
export class ExecAuthenticator {
  readonly #options: ExecRunOptions;
  readonly #now: () => number;
  #cached: ExecCredentials | undefined;
  #pending: Promise<ExecCredentials> | undefined;
  /** How many times the plugin ran (for diagnostics and tests). */
  runs = 0;

  constructor(options: ExecRunOptions, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
  }

  async credentials(): Promise<ExecCredentials> {
    const cached = this.#cached;
    if (cached && (cached.expiresAt === undefined || this.#now() <= cached.expiresAt)) return cached;
    this.#pending ??= (async () => {
      try {
        this.runs++;
        const fresh = await runExecPlugin(this.#options);
        this.#cached = fresh;
        return fresh;
      } catch (error) {
        throw new CredentialError(`getting credentials: ${(error as Error).message}`);
      } finally {
        this.#pending = undefined;
      }
    })();
    return this.#pending;
  }

  /** Called on a 401: drops the cache if it still holds the credentials that were sent. */
  unauthorized(sent: ExecCredentials | undefined): void {
    if (sent && this.#cached === sent) this.#cached = undefined;
  }
}

const shared = new Map<string, ExecAuthenticator>();

/** One authenticator per plugin configuration and cluster, shared process-wide (as client-go's cache). */
export function sharedExecAuthenticator(options: ExecRunOptions): ExecAuthenticator {
  const key = JSON.stringify([options.exec, options.cluster, options.timeoutMs, options.env]);
  let authenticator = shared.get(key);
  if (!authenticator) {
    authenticator = new ExecAuthenticator(options);
    shared.set(key, authenticator);
  }
  return authenticator;
}
