/**
 * `@org/k8s-testenv`: a real Kubernetes control plane (etcd + kube-apiserver) for tests.
 *
 * @packageDocumentation
 */
export { startControlPlane, ControlPlane, IDENTITIES } from "./control-plane.js";
export type { ControlPlaneOptions, TestIdentity } from "./control-plane.js";
export { findBinaries, defaultBinaryCacheDir } from "./binaries.js";
export type { ControlPlaneBinaries } from "./binaries.js";
export { apiRequest, mintServiceAccountToken } from "./admin-client.js";
export type { ApiResponse, ControlPlaneAccess, ServiceAccountTokenOptions } from "./admin-client.js";
export { generateCertificateAuthority } from "./pki.js";
export type { CertificateAuthority, KeyPairPem, LeafRequest } from "./pki.js";
export { PINNED_ETCD_VERSION, PINNED_KUBERNETES_VERSION } from "./versions.js";
