import { describe, expect, it } from "vitest";
import type { KubernetesObject } from "./types.js";
import { type ConditionResult, hasCondition, isDeleted, rolloutComplete } from "./wait.js";

const judge = (result: ConditionResult) => (typeof result === "boolean" ? (result ? "met" : "not yet") : "failed" in result ? `failed: ${result.failed}` : result.met ? "met" : result.message);
const deployment = (spec: object, status: object, generation = 2): KubernetesObject => ({ kind: "Deployment", metadata: { name: "web", generation }, spec, status } as KubernetesObject);

describe("rolloutComplete (kubectl rollout status)", () => {
  const rollout = rolloutComplete();
  it.each([
    ["spec not observed yet", deployment({ replicas: 2 }, { observedGeneration: 1 }), "Waiting for deployment spec update to be observed..."],
    ["new replicas missing", deployment({ replicas: 2 }, { observedGeneration: 2, updatedReplicas: 1, replicas: 2 }), 'Waiting for deployment "web" rollout to finish: 1 out of 2 new replicas have been updated...'],
    ["old replicas left", deployment({ replicas: 2 }, { observedGeneration: 2, updatedReplicas: 2, replicas: 3 }), 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...'],
    ["not available", deployment({ replicas: 2 }, { observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 1 }), 'Waiting for deployment "web" rollout to finish: 1 of 2 updated replicas are available...'],
    ["done", deployment({ replicas: 2 }, { observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }), "met"],
    [
      "past its deadline",
      deployment({ replicas: 2 }, { observedGeneration: 2, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] }),
      'failed: deployment "web" exceeded its progress deadline',
    ],
  ])("Deployment: %s", (_name, object, expected) => expect(judge(rollout(object))).toBe(expected));

  it("StatefulSet and DaemonSet follow kubectl's rules too; other kinds fail", () => {
    const sts = (status: object, partition?: number) =>
      ({ kind: "StatefulSet", metadata: { name: "db", generation: 1 }, spec: { replicas: 3, updateStrategy: { type: "RollingUpdate", ...(partition !== undefined ? { rollingUpdate: { partition } } : {}) } }, status }) as KubernetesObject;
    expect(judge(rollout(sts({ observedGeneration: 1, readyReplicas: 2 })))).toBe("Waiting for 1 pods to be ready...");
    expect(judge(rollout(sts({ observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1 }, 1)))).toBe("Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...");
    expect(judge(rollout(sts({ observedGeneration: 1, readyReplicas: 3, currentRevision: "a", updateRevision: "b", updatedReplicas: 1 })))).toBe("waiting for statefulset rolling update to complete 1 pods at revision b...");
    expect(judge(rollout(sts({ observedGeneration: 1, readyReplicas: 3, currentRevision: "b", updateRevision: "b" })))).toBe("met");
    const ds = (status: object) => ({ kind: "DaemonSet", metadata: { name: "agent", generation: 1 }, spec: {}, status }) as KubernetesObject;
    expect(judge(rollout(ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 })))).toBe('Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...');
    expect(judge(rollout(ds({ observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 })))).toBe("met");
    expect(judge(rollout({ kind: "Job" }))).toBe("failed: rollout status is only available for Deployments, StatefulSets and DaemonSets, not Job");
  });
});

describe("hasCondition and isDeleted (kubectl wait)", () => {
  const crd = (conditions: object[], generation = 1) => ({ kind: "CustomResourceDefinition", metadata: { name: "x", generation }, status: { conditions } }) as KubernetesObject;
  it("matches the type in any case, the status (default True), and not a condition older than the generation", () => {
    expect(judge(hasCondition("established")(crd([{ type: "Established", status: "True" }])))).toBe("met");
    expect(judge(hasCondition("Established")(crd([{ type: "Established", status: "False", reason: "Installing" }])))).toBe("condition Established is False (Installing)");
    expect(judge(hasCondition("Ready", "False")(crd([{ type: "Ready", status: "False" }])))).toBe("met");
    expect(judge(hasCondition("Ready")(crd([{ type: "Ready", status: "True", observedGeneration: 1 }], 2)))).toBe("condition Ready describes generation 1, not 2");
    expect(judge(hasCondition("Ready")(undefined))).toBe("the object does not exist");
    expect(judge(isDeleted()(undefined))).toBe("met");
    expect(judge(isDeleted()(crd([])))).toBe("still exists");
  });
});
