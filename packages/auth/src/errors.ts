import { defineErrorKind, hasErrorKind } from "@org/k8s-runtime";

/** Where in a kubeconfig a problem is. */
export interface KubeconfigLocation {
  /** The kubeconfig file. */
  file?: string;
  /** `clusters`/`users`/`contexts` entry name. */
  entry?: string;
  /** Field within the entry. */
  field?: string;
}

/**
 * A kubeconfig (or override) that cannot be used. The message follows client-go's wording and adds the file,
 * entry and field where known; it never contains a credential.
 */
export class KubeconfigError extends Error {
  static {
    defineErrorKind(this, "KubeconfigError");
  }
  readonly file?: string;
  readonly entry?: string;
  readonly field?: string;
  /** True for client-go's "empty config": nothing is configured, so in-cluster config may be tried instead. */
  readonly emptyConfig: boolean;

  constructor(message: string, location: KubeconfigLocation = {}, options: { emptyConfig?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (location.file) this.file = location.file;
    if (location.entry) this.entry = location.entry;
    if (location.field) this.field = location.field;
    this.emptyConfig = options.emptyConfig ?? false;
  }
}

/** Not running in a pod: `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT` are not set. */
export class NotInClusterError extends Error {
  static {
    defineErrorKind(this, "NotInClusterError");
  }
}

/** Getting credentials failed at request time (exec plugin, OIDC refresh, token file). */
export class CredentialError extends Error {
  static {
    defineErrorKind(this, "CredentialError");
  }
}

/** Guards that work across the ESM and CJS builds of this package (no `instanceof` identity needed). */
export const isKubeconfigError = (error: unknown): error is KubeconfigError => hasErrorKind(error, "KubeconfigError");
/** Whether `error` is a {@link NotInClusterError} (also one thrown by the other build of this package). */
export const isNotInClusterError = (error: unknown): error is NotInClusterError => hasErrorKind(error, "NotInClusterError");
/** Whether `error` is a {@link CredentialError} (also one thrown by the other build of this package). */
export const isCredentialError = (error: unknown): error is CredentialError => hasErrorKind(error, "CredentialError");

/** `error loading config file "X": ...` and friends: appends where the problem is. */
export function at(location: KubeconfigLocation): string {
  const parts: string[] = [];
  if (location.entry) parts.push(`entry "${location.entry}"`);
  if (location.field) parts.push(`field "${location.field}"`);
  if (location.file) parts.push(`in ${location.file}`);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/** The reason of a failed file read as Go prints it (`no such file or directory`), for messages. */
export function ioReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "not a directory";
    case "ELOOP":
      return "too many levels of symbolic links";
    default:
      return code === "EFBIG" ? (error as Error).message.replace(/^.* is larger/, "the file is larger") : ((error as Error).message ?? String(error));
  }
}
