/** The Kubernetes and etcd releases this package is built and tested against (see scripts/versions.env). */
export const PINNED_KUBERNETES_VERSION = "1.37.1";
export const PINNED_ETCD_VERSION = "3.6.16";
