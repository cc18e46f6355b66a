// Compiles against the built package under strict settings (packed.int.test.ts runs tsc on it): every line without
// a @ts-expect-error must compile, every line with one must fail. What users write, typed end to end.
import { Controller, EventRecorder, LeaderElector, Manager, type ReconcileContext, WorkQueue, setStatusCondition, watchMapped } from "@org/k8s-controller";
import { connect } from "@org/k8s-core";
import { type Deployment, deployments, replicaSets } from "@org/k8s-core/apps/v1";
import { secrets } from "@org/k8s-core/core/v1";

const k8s = await connect();

const controller: Controller<Deployment, true> = new Controller({
  name: "typed",
  client: k8s.client,
  for: deployments,
  owns: [replicaSets],
  watches: [
    watchMapped(secrets, (secret) => {
      const data: Record<string, string> | undefined = secret.data;
      // @ts-expect-error a Secret has no spec
      void secret.spec;
      return data ? { namespace: secret.metadata?.namespace, name: "app" } : undefined;
    }),
  ],
  reconcile: async (ctx) => {
    const replicas: number | undefined = ctx.object?.spec?.replicas;
    // @ts-expect-error a Deployment has no data
    void ctx.object?.data;
    await ctx.applyStatus({ availableReplicas: replicas ?? 0, conditions: [{ type: "Available", status: "True" }] });
    // @ts-expect-error availableReplicas is a number
    await ctx.applyStatus({ availableReplicas: "1" });
    const updated: Deployment = await ctx.addFinalizer("example.com/cleanup");
    void updated;
    const gone: Deployment | undefined = await ctx.removeFinalizer("example.com/cleanup");
    void gone;
    ctx.event({ reason: "Scaled", action: "Scale", type: "Warning" });
    // @ts-expect-error events are Normal or Warning
    ctx.event({ reason: "Scaled", action: "Scale", type: "Error" });
    if (ctx.retries > 3) return { requeue: true };
    return { requeueAfterMs: 30_000 };
  },
});

new Controller({
  name: "wrong-result",
  client: k8s.client,
  for: deployments,
  // @ts-expect-error requeueAfter is spelled requeueAfterMs
  reconcile: () => ({ requeueAfter: 5 }),
});

const reconcileDeployment = (ctx: ReconcileContext<Deployment>) => ctx.log.info("seen", { name: ctx.request.name });
void reconcileDeployment;

type Condition = { type: string; status: "True" | "False"; lastTransitionTime: string; reason: string; message: string };
const conditions: Condition[] = setStatusCondition<Condition>([], { type: "Ready", status: "True", reason: "Done", message: "" });
void conditions;

const queue = new WorkQueue<string>();
queue.add("ns/name");
// @ts-expect-error items are strings here
queue.add(5);
const next: string | undefined = await queue.get();
void next;

new LeaderElector({ client: k8s.client, namespace: "default", name: "app", onStartedLeading: (signal: AbortSignal) => void signal });
// @ts-expect-error the Lease's namespace is required
new LeaderElector({ client: k8s.client, name: "app" });

const manager = new Manager({ client: k8s.client, leaderElection: { namespace: "default", name: "app" } }).add(controller);
await manager.run({ signal: AbortSignal.timeout(1) });
new EventRecorder({ client: k8s.client, reportingController: "example.com/typed" }).record({ apiVersion: "apps/v1", kind: "Deployment", name: "app", namespace: "default" }, { reason: "R", action: "A" });
