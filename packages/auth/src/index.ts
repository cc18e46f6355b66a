/**
 * `@org/k8s-auth`: finds the Kubernetes API server and authenticates to it exactly as kubectl and client-go do.
 *
 * @packageDocumentation
 */
export { loadConnection } from "./load-connection.js";
export { ConnectionError, isConnectionError } from "./connection.js";
export { CredentialError, KubeconfigError, NotInClusterError, isCredentialError, isKubeconfigError, isNotInClusterError } from "./errors.js";
export { DEFAULT_MAX_SOCKETS } from "./transport.js";
export type { KubeconfigLocation } from "./errors.js";
export { DEFAULT_SERVICE_ACCOUNT_DIR } from "./in-cluster.js";
export type { Connection, ConnectionTls, HttpRequestInit, HttpResponse, LoadConnectionOptions, UpgradeRequestInit, UpgradeResponse } from "./types.js";
export type { UpgradedSocket } from "@org/k8s-runtime";
export { ManifestSyntaxError, parseManifestDocuments } from "./yaml-documents.js";
export type { YamlDocument } from "./yaml-documents.js";
