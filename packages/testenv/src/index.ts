/**
 * `@org/k8s-testenv`: a real Kubernetes control plane (etcd + kube-apiserver) for tests, and a whole cluster
 * (plus kube-controller-manager, kube-scheduler and simulated nodes) when tests need controllers and pods.
 *
 * @packageDocumentation
 */
export { startControlPlane, ControlPlane, IDENTITIES } from "./control-plane.js";
export type { ControlPlaneOptions, TestIdentity } from "./control-plane.js";
export { startCluster, Cluster, CLUSTER_COMPONENTS } from "./cluster.js";
export type { ClusterOptions, ClusterComponent } from "./cluster.js";
export { createNamespace, waitForDeploymentAvailable, waitForNodesReady, waitForDeletion } from "./cluster-helpers.js";
export type { WaitOptions } from "./cluster-helpers.js";
export { poll } from "./wait-for.js";
export { PodScripts } from "./pod-scripts.js";
export type { PodBehaviour, PortForwardTarget, ContainerRef, LogLineOptions } from "./pod-scripts.js";
export { findBinaries, findClusterBinaries, defaultBinaryCacheDir } from "./binaries.js";
export type { ControlPlaneBinaries, ClusterBinaries } from "./binaries.js";
export { apiRequest, mintServiceAccountToken } from "./admin-client.js";
export type { ApiResponse, ControlPlaneAccess, ServiceAccountTokenOptions } from "./admin-client.js";
export { generateCertificateAuthority, generateServiceAccountKeys } from "./pki.js";
export type { CertificateAuthority, KeyPairPem, LeafRequest, ServiceAccountKeys } from "./pki.js";
export { PINNED_ETCD_VERSION, PINNED_KUBERNETES_VERSION, PINNED_KWOK_VERSION, PINNED_TEST_KUBELET_VERSION } from "./versions.js";
