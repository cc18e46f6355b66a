/** Kubeconfig entries as written in the file (kebab-case keys), with the file each came from. */

export interface ExecConfig {
  command?: string;
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: string;
}

export interface ClusterEntry {
  server?: string;
  "certificate-authority"?: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "tls-server-name"?: string;
  "proxy-url"?: string;
  "disable-compression"?: boolean;
  extensions?: Array<{ name: string; extension: unknown }>;
}

export interface UserEntry {
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  "client-certificate"?: string;
  "client-certificate-data"?: string;
  "client-key"?: string;
  "client-key-data"?: string;
  as?: string;
  "as-uid"?: string;
  "as-groups"?: string[];
  "as-user-extra"?: Record<string, string[]>;
  exec?: ExecConfig;
  "auth-provider"?: { name: string; config?: Record<string, string> };
}

export interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
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
