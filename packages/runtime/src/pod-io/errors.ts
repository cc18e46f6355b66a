import { defineErrorKind, hasErrorKind } from "../error-kind.js";
import { KubernetesError, type RequestDescription, isKubernetesError } from "../errors.js";
import type { Status } from "../types.js";

/**
 * The pod has no such container, or a multi-container pod was asked without naming one (the server's 400 `container
 * X is not valid for pod P` / `a container name must be specified for pod P, choose one of: [...]`).
 */
export class ContainerNotFoundError extends KubernetesError {
  static {
    defineErrorKind(this, "ContainerNotFoundError");
  }
}

/**
 * The container is not running: its pod is not on a node yet (`pod P does not have a host assigned`), it has not
 * started or has ended (the kubelet's `container not found`, `is waiting to start`, `previous terminated container
 * ... not found`).
 */
export class ContainerNotRunningError extends KubernetesError {
  static {
    defineErrorKind(this, "ContainerNotRunningError");
  }
}

/** A forwarded connection failed on the pod's side (the port refused it, ...): the server's error stream message. */
export class PortForwardError extends Error {
  static {
    defineErrorKind(this, "PortForwardError");
  }
  /** The pod's port. */
  readonly port: number;
  constructor(message: string, port: number) {
    super(message);
    this.port = port;
  }
}

/** Whether `error` is a {@link ContainerNotFoundError}. */
export const isContainerNotFound = (error: unknown): error is ContainerNotFoundError => hasErrorKind(error, "ContainerNotFoundError");
/** Whether `error` is a {@link ContainerNotRunningError}. */
export const isContainerNotRunning = (error: unknown): error is ContainerNotRunningError => hasErrorKind(error, "ContainerNotRunningError");
/** Whether `error` is a {@link PortForwardError}. */
export const isPortForwardError = (error: unknown): error is PortForwardError => hasErrorKind(error, "PortForwardError");

const NOT_FOUND = [/^container \S+ is not valid for pod /, /^a container name must be specified for pod /];
const NOT_RUNNING = [
  /does not have a host assigned/,
  /container not found \(/, // the kubelet: no such running container
  /is waiting to start/,
  /previous terminated container .* not found/,
  /is terminated/,
  /cannot (?:exec|attach) .*(?:completed|not running)/i,
];

/** The typed error for a status about a pod's container, or undefined when the status is about something else. */
function classify(status: Status, request: RequestDescription): KubernetesError | undefined {
  const message = status.message ?? "";
  if (NOT_FOUND.some((pattern) => pattern.test(message))) return new ContainerNotFoundError(status, request);
  if (NOT_RUNNING.some((pattern) => pattern.test(message))) return new ContainerNotRunningError(status, request);
  return undefined;
}

/** A server error of a pod's logs, exec, attach or port-forward, as the typed error it stands for (else as it is). */
export function podContainerError(error: unknown): unknown {
  if (!isKubernetesError(error) || hasErrorKind(error, "ContainerNotFoundError") || hasErrorKind(error, "ContainerNotRunningError")) return error;
  if (error.code !== 400 && error.code !== 404 && error.code !== 500) return error;
  return classify(error.status, error.request) ?? error;
}

/** A failure status received after the upgrade (the status channel), as a typed error. */
export function statusError(status: Status, request: RequestDescription): KubernetesError {
  return classify(status, request) ?? new KubernetesError(status, request);
}

/**
 * A `copyFrom` archive entry that would land outside the destination: an absolute or `..` path, a name outside
 * the copied path, a symlink pointing out of the destination, or a write through a symlink. Nothing of it is
 * written; the copy stops there.
 */
export class UnsafeArchiveEntryError extends Error {
  static {
    defineErrorKind(this, "UnsafeArchiveEntryError");
  }
  /** The entry's name as the archive has it. */
  readonly entry: string;
  constructor(entry: string, reason: string) {
    super(`refusing archive entry ${JSON.stringify(entry)}: ${reason}`);
    this.entry = entry;
  }
}

/** The container's `tar` (or `test`) failed: its exit code and what it wrote to standard error. */
export class CopyFailedError extends Error {
  static {
    defineErrorKind(this, "CopyFailedError");
  }
  readonly exitCode: number;
  readonly stderr: string;
  constructor(message: string, exitCode: number, stderr: string) {
    super(`${message}: exit code ${exitCode}${stderr.trim() ? `: ${stderr.trim().slice(0, 2000)}` : ""}`);
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Whether `error` is an {@link UnsafeArchiveEntryError}. */
export const isUnsafeArchiveEntry = (error: unknown): error is UnsafeArchiveEntryError => hasErrorKind(error, "UnsafeArchiveEntryError");
/** Whether `error` is a {@link CopyFailedError}. */
export const isCopyFailed = (error: unknown): error is CopyFailedError => hasErrorKind(error, "CopyFailedError");
