import type { Kube } from "@org/k8s-core";
import type { Lease } from "@org/k8s-core/coordination.k8s.io/v1";

/** One write of a Lease as a watch saw it: when (monotonic and wall clock), and its spec. */
export interface LeaseWrite {
  seenAt: number;
  seenAtWall: number;
  spec: NonNullable<Lease["spec"]>;
}

/** Records every write of one Lease as a watch sees it, until `stop()`. */
export function watchLease(k8s: Kube, namespace: string, name: string): { history: LeaseWrite[]; stop(): Promise<void> } {
  const history: LeaseWrite[] = [];
  const stop = new AbortController();
  const done = (async () => {
    try {
      for await (const event of k8s.coordination.v1.leases.watch({ namespace, fieldSelector: `metadata.name=${name}`, signal: stop.signal })) {
        if (event.type !== "DELETED") history.push({ seenAt: performance.now(), seenAtWall: Date.now(), spec: { ...event.object.spec } });
      }
    } catch (error) {
      if (!stop.signal.aborted) throw error;
    }
  })();
  return {
    history,
    stop: async () => {
      stop.abort();
      await done;
    },
  };
}
