/** The Kubernetes and etcd releases this package is built and tested against (see scripts/versions.env). */
export const PINNED_KUBERNETES_VERSION = "1.37.1";
/** The etcd release the control plane runs (see scripts/versions.env). */
export const PINNED_ETCD_VERSION = "3.6.16";
/** KWOK, which simulates the whole cluster's nodes and pods. */
export const PINNED_KWOK_VERSION = "0.8.0";
/** Our kubelet streaming server for simulated nodes (packages/testenv/test-kubelet). */
export const PINNED_TEST_KUBELET_VERSION = "0.1.0";
