/**
 * A decoded kubeconfig as client-go keeps it (clientcmd/api): named entries in maps, every field typed. An absent
 * optional field is client-go's zero value ("", false, no bytes); data fields hold the decoded bytes.
 */

export interface ExecEnvVar {
  name: string;
  value: string;
}

export interface ExecConfig {
  command?: string;
  args?: string[];
  env?: ExecEnvVar[];
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  /** Defaulted to `IfAvailable` for v1beta1 (and v1alpha1) plugins, as client-go's defaulting does. */
  interactiveMode?: string;
}

/** A named extension's value as client-go keeps it: its JSON text, or null for `extension: null`. */
export type RawExtension = string | null;

export interface ClusterEntry {
  server?: string;
  "certificate-authority"?: string;
  "certificate-authority-data"?: Buffer;
  "insecure-skip-tls-verify"?: boolean;
  "tls-server-name"?: string;
  "proxy-url"?: string;
  "disable-compression"?: boolean;
  extensions?: Map<string, RawExtension>;
}

export interface AuthProviderConfig {
  name?: string;
  config?: Record<string, string>;
}

export interface UserEntry {
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  "client-certificate"?: string;
  "client-certificate-data"?: Buffer;
  "client-key"?: string;
  "client-key-data"?: Buffer;
  as?: string;
  "as-uid"?: string;
  "as-groups"?: string[];
  "as-user-extra"?: Record<string, string[]>;
  exec?: ExecConfig;
  "auth-provider"?: AuthProviderConfig;
  extensions?: Map<string, RawExtension>;
}

export interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
  extensions?: Map<string, RawExtension>;
}

/** One kubeconfig file, decoded as `clientcmd.LoadFromFile` does (relative paths not yet resolved). */
export interface DecodedKubeconfig {
  currentContext: string;
  clusters: Map<string, ClusterEntry>;
  users: Map<string, UserEntry>;
  contexts: Map<string, ContextEntry>;
  /** Top-level and `preferences` fields client-go keeps but the SDK does not use. */
  colors: boolean;
  extensions: Map<string, RawExtension>;
  preferencesExtensions: Map<string, RawExtension>;
}

/** A named entry and the file that defined it (for relative paths and error messages). */
export interface Sourced<T> {
  name: string;
  value: T;
  file: string;
}

/** Several kubeconfig files merged with client-go's rules. */
export interface MergedKubeconfig {
  files: string[];
  currentContext: string;
  clusters: Map<string, Sourced<ClusterEntry>>;
  users: Map<string, Sourced<UserEntry>>;
  contexts: Map<string, Sourced<ContextEntry>>;
}
