import type { KubeClient } from "./client.js";
import type { KindMap } from "./objects.js";
import type { ResourceDescriptor } from "./types.js";

/**
 * A generated API as one value: the `api` that k8s-gen writes into its `api.ts`. It says how to bind the typed
 * clients to a client and lists the generated resource descriptors, so that `k8s.with(api)` (in `@org/k8s-core`)
 * adds both the typed clients (`k8s.exampleCom.v1.widgets`) and the kinds (`k8s.objects`) to a connection.
 *
 * `Kinds` (the generated `Kinds` interface, objects by `apiVersion/kind`) lives in the type only.
 */
export interface GeneratedApi<A extends object, Kinds extends KindMap = KindMap> {
  /** Binds the typed clients to a client; resource clients are made on first use. */
  readonly createApi: (client: KubeClient) => A;
  /** One descriptor per generated kind: verbs on these kinds need no discovery request. */
  readonly descriptors: readonly ResourceDescriptor[];
  /** Never set at run time: carries the generated `Kinds` so that `k8s.with(api)` can type `k8s.objects` with them. */
  readonly kinds?: Kinds | undefined;
}
