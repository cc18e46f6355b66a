// Pod I/O, loaded on the first exec, attach, port-forward or copy (subresources.ts imports it lazily), so that
// programs that never use it do not load it.
import { TransportError } from "../errors.js";
import type { NamespaceOption, ResourceClient } from "../resource-client.js";
import type { UpgradedStream } from "../transport.js";
import type { KubernetesList, KubernetesObject } from "../types.js";
import type { Query } from "../url.js";
import { copyFromPod, copyToPod } from "./copy.js";
import { podContainerError } from "./errors.js";
import { openPortForward } from "./port-forward.js";
import { openRemoteCommand, streamQuery } from "./remote-command.js";
import type { AttachOptions, ByteReadable, CopyOptions, CopyResult, ExecCommandOptions, ExecOptions, ExecOutput, PortForward, PortForwardOptions, RemoteProcess } from "./types.js";

type PodClient = ResourceClient<KubernetesObject, KubernetesList<KubernetesObject>, boolean>;
type Scoped<O> = O & NamespaceOption;

function upgrader(client: PodClient, name: string, subresource: string, query: Query, options: { namespace?: string | undefined; signal?: AbortSignal | undefined }) {
  return (method: "GET" | "POST", headers: Record<string, string>): Promise<UpgradedStream> =>
    client
      .connect(name, subresource, query, { method, headers, signal: options.signal, ...(options.namespace !== undefined ? { namespace: options.namespace } : {}) } as Parameters<PodClient["connect"]>[3])
      .catch((error: unknown) => {
        throw podContainerError(error);
      });
}

export function exec(client: PodClient, name: string, options: Scoped<ExecOptions>): Promise<RemoteProcess> {
  const command = options?.command;
  if (!Array.isArray(command) || command.length === 0 || !command.every((arg) => typeof arg === "string")) {
    throw new TypeError(`exec ${name}: command must be a non-empty array of strings (the program and its arguments), got ${JSON.stringify(command)}`);
  }
  const query = { command, ...streamQuery(options) };
  const upgrade = upgrader(client, name, "exec", query, options);
  return openRemoteCommand((headers) => upgrade("GET", headers), options);
}

export function attach(client: PodClient, name: string, options: Scoped<AttachOptions> = {}): Promise<RemoteProcess> {
  const upgrade = upgrader(client, name, "attach", streamQuery(options), options);
  return openRemoteCommand((headers) => upgrade("GET", headers), options);
}

async function text(stream: ByteReadable | null): Promise<string> {
  const chunks: Buffer[] = [];
  if (stream) for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

export async function execCommand(client: PodClient, name: string, command: readonly string[], options: Scoped<ExecCommandOptions> = {}): Promise<ExecOutput> {
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  const timer =
    options.timeoutMs !== undefined
      ? setTimeout(() => {
          const request = { method: "GET", url: `pods/${name}/exec` };
          controller.abort(new TransportError(`exec ${name} ${JSON.stringify(command)}: timed out after ${options.timeoutMs} ms`, request, { code: "ETIMEDOUT" }));
        }, options.timeoutMs)
      : undefined;
  try {
    const process = await exec(client, name, {
      command,
      ...(options.container !== undefined ? { container: options.container } : {}),
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      signal,
    });
    const [stdout, stderr, result] = await Promise.all([text(process.stdout), text(process.stderr), process.result]);
    return { stdout, stderr, exitCode: result.exitCode };
  } catch (error) {
    throw signal.aborted ? signal.reason : error;
  } finally {
    clearTimeout(timer);
  }
}

export function portForward(client: PodClient, name: string, options: Scoped<PortForwardOptions> = {}): Promise<PortForward> {
  // The ports travel in the streams' headers; the URL needs none (as kubectl's).
  return openPortForward(upgrader(client, name, "portforward", {}, options), options);
}

function runner(client: PodClient, name: string, options: Scoped<CopyOptions>) {
  return (command: string[], stdin: AsyncIterable<Uint8Array> | undefined, signal: AbortSignal | undefined) =>
    exec(client, name, {
      command,
      ...(options.container !== undefined ? { container: options.container } : {}),
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      ...(stdin ? { stdin } : {}),
      signal,
    });
}

export function copyTo(client: PodClient, name: string, localPath: string, podPath: string, options: Scoped<CopyOptions> = {}): Promise<CopyResult> {
  return copyToPod(runner(client, name, options), name, localPath, podPath, options);
}

export function copyFrom(client: PodClient, name: string, podPath: string, localPath: string, options: Scoped<CopyOptions> = {}): Promise<CopyResult> {
  return copyFromPod(runner(client, name, options), name, podPath, localPath, options);
}
