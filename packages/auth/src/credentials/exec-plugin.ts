import { spawn } from "node:child_process";
import { CredentialError } from "../errors.js";
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

/** Runs an exec credential plugin once and validates its ExecCredential, with client-go's error messages. */
export function runExecPlugin(options: ExecRunOptions): Promise<ExecCredentials> {
  const { exec, user } = options;
  const command = exec.command!;
  const apiVersion = exec.apiVersion!;
  const mode = exec.interactiveMode ?? "IfAvailable";
  const tty = options.stdinIsTTY ?? process.stdin.isTTY === true;
  if (mode === "Always" && !tty) {
    return Promise.reject(new CredentialError("exec plugin cannot support interactive mode: standard input is not a terminal"));
  }
  const interactive = mode !== "Never" && tty;
  const info = {
    kind: "ExecCredential",
    apiVersion,
    spec: { interactive, ...(exec.provideClusterInfo ? { cluster: options.cluster } : {}) },
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env)) if (value !== undefined) env[name] = value;
  for (const variable of exec.env ?? []) env[variable.name] = variable.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify(info);

  return new Promise((resolve, reject) => {
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
    child.stdout!.on("data", (chunk: Buffer) => chunks.push(chunk));
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
  });
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
  let credential: { apiVersion?: string; kind?: string; status?: Record<string, unknown> };
  try {
    credential = JSON.parse(stdout);
  } catch {
    throw new CredentialError("decoding stdout: the exec plugin did not print a JSON ExecCredential");
  }
  if (credential.apiVersion !== apiVersion) {
    throw new CredentialError(`exec plugin is configured to use API version ${apiVersion}, plugin returned version ${credential.apiVersion ?? ""}`);
  }
  const status = credential.status;
  if (!status || typeof status !== "object") throw new CredentialError("exec plugin didn't return a status field");
  const token = typeof status.token === "string" && status.token ? status.token : undefined;
  const cert = typeof status.clientCertificateData === "string" && status.clientCertificateData ? status.clientCertificateData : undefined;
  const key = typeof status.clientKeyData === "string" && status.clientKeyData ? status.clientKeyData : undefined;
  if (!token && !cert && !key) throw new CredentialError("exec plugin didn't return a token or cert/key pair");
  if (Boolean(cert) !== Boolean(key)) throw new CredentialError("exec plugin returned only certificate or key, not both");
  const expiry = typeof status.expirationTimestamp === "string" ? Date.parse(status.expirationTimestamp) : undefined;
  return { ...(token ? { token } : {}), ...(cert ? { cert, key: key! } : {}), ...(expiry !== undefined && !Number.isNaN(expiry) ? { expiresAt: expiry } : {}) };
}

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
