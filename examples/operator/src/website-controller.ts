import { Controller, type Logger, type ReconcileContext, type ReconcileResult, hasFinalizer, setStatusCondition } from "@org/k8s-controller";
import { type Kube, isNotFound } from "@org/k8s-core";
import { type Deployment, deployments } from "@org/k8s-core/apps/v1";
import { services } from "@org/k8s-core/core/v1";
import { type Website, websites } from "./generated/example.com/v1/index.js";

/** Removed only once the Website's Deployment and Service are gone, so a deleted Website never leaves pods behind. */
export const FINALIZER = "example.com/teardown";
/** The operator's server-side apply field manager and event reporter. */
export const FIELD_MANAGER = "website-operator";

type Condition = NonNullable<NonNullable<Website["status"]>["conditions"]>[number];

/** Options of {@link websiteController}. */
export interface WebsiteControllerOptions {
  /** Watch one namespace; default all. */
  namespace?: string | undefined;
  /** Reconciles at once (default 1). */
  concurrency?: number | undefined;
  /** Where the operator logs. */
  log: Logger;
}

/**
 * The Website controller: each Website becomes a Deployment of `spec.image` × `spec.replicas` and a Service on port
 * 80, both owned by it (so changing or deleting them reconciles the Website again, and the garbage collector would
 * delete them with it); its status reports `observedGeneration`, `availableReplicas`, a `url` and a `Ready`
 * condition; its finalizer tears the Deployment (pods first) and the Service down before the Website goes.
 */
export function websiteController(k8s: Kube, options: WebsiteControllerOptions): Controller<Website, true> {
  return new Controller({
    name: FIELD_MANAGER,
    client: k8s.client,
    for: websites,
    owns: [deployments, services],
    namespace: options.namespace,
    concurrency: options.concurrency,
    log: options.log,
    reconcile: (ctx) => reconcileWebsite(k8s, ctx),
  });
}

/** Makes the world match one Website. */
export async function reconcileWebsite(k8s: Kube, ctx: ReconcileContext<Website>): Promise<ReconcileResult> {
  const site = ctx.object;
  const { namespace, name } = ctx.request as { namespace: string; name: string };
  if (!site) {
    ctx.log.info("website is gone");
    return;
  }
  if (site.metadata?.deletionTimestamp) return finalize(k8s, ctx);
  ctx.log.info("reconciling", { generation: site.metadata?.generation, image: site.spec?.image, replicas: site.spec?.replicas });
  await ctx.addFinalizer(FINALIZER);

  const labels = { "app.kubernetes.io/name": "website", "app.kubernetes.io/instance": name, "app.kubernetes.io/managed-by": FIELD_MANAGER };
  const selector = { "app.kubernetes.io/name": "website", "app.kubernetes.io/instance": name };
  const metadata = { name, namespace, labels, ownerReferences: [ctx.ownerReference()] };
  const replicas = site.spec?.replicas ?? 1;
  const port = site.spec?.port ?? 80;
  const apply = { fieldManager: FIELD_MANAGER, force: true, signal: ctx.signal };
  const deployment = await k8s.apps.v1.deployments.apply(
    {
      metadata,
      spec: {
        replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: "web", image: site.spec?.image ?? "", ports: [{ containerPort: port, name: "http" }] }] },
        },
      },
    },
    apply,
  );
  await k8s.core.v1.services.apply({ metadata, spec: { selector, ports: [{ name: "http", port: 80, targetPort: port }] } }, apply);

  const available = deployment.status?.availableReplicas ?? 0;
  const ready = rolledOut(deployment, replicas);
  const wasReady = site.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  const conditions = setStatusCondition<Condition>(site.status?.conditions, {
    type: "Ready",
    status: ready ? "True" : "False",
    reason: ready ? "Available" : "RollingOut",
    message: `${available}/${replicas} replicas available`,
    observedGeneration: site.metadata?.generation,
  });
  await ctx.applyStatus({ observedGeneration: site.metadata?.generation, availableReplicas: available, url: `http://${name}.${namespace}.svc`, conditions });
  if (ready !== wasReady) ctx.event({ type: "Normal", reason: ready ? "Ready" : "NotReady", action: "Reconcile", note: `${available}/${replicas} replicas of ${site.spec?.image} available` });
  ctx.log.info("reconciled", { generation: site.metadata?.generation, available, replicas, ready });
}

/** The Deployment has rolled out the current spec: as `kubectl rollout status`, reduced to what the Website reports. */
function rolledOut(deployment: Deployment, replicas: number): boolean {
  const status = deployment.status;
  return (
    (status?.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1) &&
    (status?.updatedReplicas ?? 0) === replicas &&
    (status?.availableReplicas ?? 0) === replicas &&
    (status?.replicas ?? 0) === replicas
  );
}

/** Tears down the Deployment (foreground: its pods go first) and the Service, then lets the Website go. */
async function finalize(k8s: Kube, ctx: ReconcileContext<Website>): Promise<ReconcileResult> {
  if (!hasFinalizer(ctx.object, FINALIZER)) return;
  const { namespace, name } = ctx.request as { namespace: string; name: string };
  ctx.log.info("finalizing");
  const options = { namespace, signal: ctx.signal };
  const gone = async (remove: () => Promise<unknown>, read: () => Promise<unknown>) => {
    await remove().catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    return read().then(
      () => false,
      (error: unknown) => {
        if (isNotFound(error)) return true;
        throw error;
      },
    );
  };
  const serviceGone = await gone(() => k8s.core.v1.services.delete(name, options), () => k8s.core.v1.services.get(name, options));
  const deploymentGone = await gone(
    () => k8s.apps.v1.deployments.delete(name, { ...options, propagationPolicy: "Foreground" }),
    () => k8s.apps.v1.deployments.get(name, options),
  );
  if (!serviceGone || !deploymentGone) {
    ctx.log.info("waiting for teardown", { serviceGone, deploymentGone });
    return { requeueAfterMs: 1000 }; // the Deployment's deletion also reconciles us (owned); this is a fallback
  }
  await ctx.removeFinalizer(FINALIZER);
  ctx.log.info("finalizer removed; website deleted");
}
