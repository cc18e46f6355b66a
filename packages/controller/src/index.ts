/**
 * `@org/k8s-controller`: a controller runtime on `@org/k8s-runtime` informers, as controller-runtime and kube-rs'
 * `kube-runtime`: client-go's work queue and rate limiters, reconcilers triggered by their kind, owned objects and
 * mapped watches, status and finalizer helpers, an `events.k8s.io/v1` recorder, and leader election on Leases.
 *
 * @packageDocumentation
 */
export { WorkQueue } from "./work-queue.js";
export type { WorkQueueOptions } from "./work-queue.js";
export { bucketRateLimiter, defaultControllerRateLimiter, itemExponentialFailureRateLimiter, maxOfRateLimiter } from "./rate-limiter.js";
export type { RateLimiter } from "./rate-limiter.js";
export { Controller, ControllerStoppedError, ReconcileTimeoutError, TerminalError, watchMapped } from "./controller.js";
export type {
  AnyResourceDescriptor,
  ControllerOptions,
  ControllerStats,
  InformerSource,
  MappedWatch,
  ReconcileContext,
  ReconcileResult,
  Reconciler,
  WatchSource,
} from "./controller.js";
export { AlreadyOwnedError, controllerReference, ownerRequests, requestFor, requestKey, requestOfKey, setControllerReference } from "./owners.js";
export type { KindOf, ReconcileRequest } from "./owners.js";
export { applyStatus, findStatusCondition, isStatusConditionTrue, metaTime, setStatusCondition } from "./status.js";
export type { ApplyStatusOptions, ConditionInput, ConditionLike, StatusConfiguration, StatusOf } from "./status.js";
export { addFinalizer, hasFinalizer, removeFinalizer } from "./finalizers.js";
export type { FinalizerOptions } from "./finalizers.js";
export { EventRecorder, microTime, objectReference } from "./events.js";
export type { EventInput, EventRecorderOptions, EventSubject } from "./events.js";
export { LeaderElector, fromSpec as leaderElectionRecord } from "./leader-election.js";
export type { LeaderElectionOptions, LeaderElectionRecord } from "./leader-election.js";
export { LeaderElectionLostError, Manager } from "./manager.js";
export type { ManagerLeaderElection, ManagerOptions, Runnable } from "./manager.js";
export { describeError, errorsToConsole, jsonLogger, withFields } from "./logger.js";
export type { JsonLoggerOptions, LogFields, Logger } from "./logger.js";
