import type { ExecConfig } from "./kubeconfig/model.js";
import type { ConnectionTls } from "./types.js";

/** How requests authenticate (besides a client certificate, which lives in `tls`). */
export type AuthSpec =
  | { kind: "none" }
  | { kind: "token"; token?: string; tokenFile?: string }
  | { kind: "basic"; username: string; password: string }
  | { kind: "exec"; exec: ExecConfig; user: string }
  | { kind: "oidc"; config: Record<string, string>; user: string };

/** Impersonation, as `--as`, `--as-uid`, `--as-group`, `--as-user-extra`. */
export interface Impersonation {
  user: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

/** Cluster details an exec plugin may ask for (`provideClusterInfo`). */
export interface ExecClusterInfo {
  server: string;
  "tls-server-name"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "certificate-authority-data"?: string;
  "proxy-url"?: string;
  "disable-compression"?: boolean;
  /** The cluster's `client.authentication.k8s.io/exec` extension, as the JSON text client-go keeps. */
  config?: string;
}

/** Everything `loadConnection` resolved, before a transport is built. Holds secrets: never print it. */
export interface ResolvedConfig {
  source: "kubeconfig" | "in-cluster";
  server: string;
  namespace: string;
  contextName?: string;
  clusterName?: string;
  userName?: string;
  /** The kubeconfig file that defined the user (or the cluster), for messages. */
  file?: string;
  tls: ConnectionTls;
  /** Files the TLS material was read from (not set for `-data` fields): re-read at most once a second, as client-go. */
  tlsFiles?: { ca?: string; cert?: string; key?: string };
  auth: AuthSpec;
  impersonate?: Impersonation;
  proxyUrl?: string;
  disableCompression: boolean;
  execCluster: ExecClusterInfo;
}
