import { hostname } from "node:os";
import type { ObjectReference } from "@org/k8s-core/core/v1";
import { type Event, events as eventsResource } from "@org/k8s-core/events.k8s.io/v1";
import { type KubeClient, KubernetesError, type KubernetesObject, type TypedResourceClient, isAlreadyExists, isNotFound } from "@org/k8s-runtime";
import { type Logger, describeError, errorsToConsole, safeLog } from "./logger.js";

/** An object an event is about: a full object with `apiVersion` and `kind`, or a reference to one. */
export type EventSubject = (KubernetesObject & { apiVersion: string; kind: string }) | (ObjectReference & { apiVersion: string; kind: string; name: string });

/** One occurrence of something worth telling users about (`kubectl events` shows it). */
export interface EventInput {
  /** Default `"Normal"`. */
  type?: "Normal" | "Warning" | undefined;
  /** Why, in CamelCase (`"ScalingReplicaSet"`). Required, at most 128 characters. */
  reason: string;
  /** What was done or failed, in CamelCase (`"Scaling"`). Required, at most 128 characters. */
  action: string;
  /** For humans; longer than the API's 1 kB limit is cut there (with "…"). */
  note?: string | undefined;
  /** A second object involved (the Pod a ReplicaSet created). */
  related?: EventSubject | undefined;
}

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  /** The runtime client events are written with. */
  client: KubeClient;
  /** The controller's name, written as `reportingController` (`"example.com/website-controller"`). */
  reportingController: string;
  /** This process, written as `reportingInstance`. Default `<reportingController>-<hostname>`, as client-go. */
  reportingInstance?: string | undefined;
  /** Default: errors to console.error. */
  log?: Logger | undefined;
  /** A series not seen again for this long is written a last time and forgotten. Default 6 min (client-go's). */
  finishSeriesAfterMs?: number | undefined;
  /** Every series' count is written this often. Default 30 min (client-go's). */
  refreshSeriesEveryMs?: number | undefined;
  /** Wait between attempts of a failed write (±25 % jitter). Default 10 s; 12 attempts (client-go's). */
  retryDelayMs?: number | undefined;
  /** Events waiting to be written beyond this are dropped (and logged). Default 1000 (client-go's). */
  maxQueued?: number | undefined;
}

const NOTE_LIMIT = 1024;
const FIELD_LIMIT = 128;
const MAX_ATTEMPTS = 12;
const WORKERS = 8; // client-go's recordWorkers

/** The cached state of one series of isomorphic events. */
interface Series {
  event: Event;
  /** Bumped on every occurrence, so a write only clears state that did not change meanwhile. */
  version: number;
}

/**
 * Records `events.k8s.io/v1` Events as client-go's `tools/events` recorder: writes happen in the background (a
 * bounded queue, 8 writers, retried on transport errors), and repeated events aggregate into a series. Unlike
 * client-go, the writes of one event go in order and a newer state supersedes an older one still queued, so a
 * series' count never goes back and its patch never races the create of its first occurrence. The first
 * occurrence is created; the second patches `series: { count: 2, lastObservedTime }` onto it; later ones only count
 * locally, and the count reaches the server on the periodic refresh (30 min) or when the series ends (not seen for
 * 6 min), as client-go does, so a hot loop never floods the API. Events are isomorphic when type, reason, action,
 * reporting controller and instance, the object (with its resourceVersion, as client-go's references carry) and
 * the related object match; the note may differ.
 *
 * `record` never throws on a server problem and never blocks; it throws `TypeError` on input the API would refuse.
 */
export class EventRecorder {
  /** Written as every event's `reportingController`. */
  readonly reportingController: string;
  /** Written as every event's `reportingInstance`. */
  readonly reportingInstance: string;
  readonly #events: TypedResourceClient<typeof eventsResource>;
  readonly #log: Logger;
  readonly #series = new Map<string, Series>();
  /** Writes not yet finished (queued or in flight), bounded by `maxQueued`. */
  #pending = 0;
  /** Per event name, the write last queued: writes of one event go in order, and a newer one supersedes older ones still waiting. */
  readonly #latest = new Map<string, { event: Event; done: Promise<void> }>();
  /** Writers waiting for one of the {@link WORKERS} slots. */
  readonly #slots: Array<() => void> = [];
  readonly #maxQueued: number;
  readonly #retryDelayMs: number;
  readonly #finishAfterMs: number;
  #writing = 0;
  #idle: Array<() => void> = [];
  readonly #stopped = new AbortController();
  readonly #timers: Array<ReturnType<typeof setInterval>>;
  #sequence = 0;

  constructor(options: EventRecorderOptions) {
    if (!options.reportingController) throw new TypeError("EventRecorder: reportingController is required");
    this.#events = options.client.resource(eventsResource);
    this.reportingController = options.reportingController;
    this.reportingInstance = (options.reportingInstance ?? `${options.reportingController}-${hostname()}`).slice(0, FIELD_LIMIT);
    this.#log = options.log ?? errorsToConsole;
    this.#maxQueued = options.maxQueued ?? 1000;
    this.#retryDelayMs = options.retryDelayMs ?? 10_000;
    this.#finishAfterMs = options.finishSeriesAfterMs ?? 6 * 60_000;
    const finish = setInterval(() => void this.#finishSeries(), this.#finishAfterMs);
    const refresh = setInterval(() => void this.#refreshSeries(), options.refreshSeriesEveryMs ?? 30 * 60_000);
    this.#timers = [finish, refresh];
    for (const timer of this.#timers) timer.unref?.();
  }

  /** Records that `event` happened to `regarding`; written in the background. */
  record(regarding: EventSubject, event: EventInput): void {
    if (this.#stopped.signal.aborted) return safeLog(this.#log, "error", "event recorder is stopped; event dropped", { reason: event.reason });
    const type = event.type ?? "Normal";
    if (type !== "Normal" && type !== "Warning") throw new TypeError(`event type must be "Normal" or "Warning", got ${JSON.stringify(type)}`);
    for (const field of ["reason", "action"] as const) {
      const value = event[field];
      if (typeof value !== "string" || value === "" || value.length > FIELD_LIMIT) throw new TypeError(`event ${field} must be 1-${FIELD_LIMIT} characters, got ${JSON.stringify(value)}`);
    }
    const subject = objectReference(regarding);
    const related = event.related ? objectReference(event.related) : undefined;
    const now = new Date();
    const occurrence: Event = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: this.#eventName(subject.name!, now), namespace: subject.namespace || "default" },
      eventTime: microTime(now),
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
      action: event.action,
      reason: event.reason,
      regarding: subject,
      ...(related ? { related } : {}),
      note: truncateNote(event.note ?? ""),
      type,
    };
    const key = JSON.stringify([type, event.action, event.reason, this.reportingController, this.reportingInstance, subject, related ?? null]);
    const known = this.#series.get(key);
    if (!known) {
      this.#series.set(key, { event: occurrence, version: 0 });
      void this.#enqueue(structuredClone(occurrence));
      return;
    }
    known.version++;
    if (known.event.series) {
      known.event.series.count++;
      known.event.series.lastObservedTime = microTime(now);
      return; // written on refresh or when the series finishes
    }
    known.event.series = { count: 2, lastObservedTime: microTime(now) };
    void this.#enqueue(structuredClone(known.event));
  }

  /** Resolves once every queued event has been written (or given up on). */
  flush(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Writes the current count of every series, waits for queued writes (at most `timeoutMs`, default 5 s), then stops:
   * later `record` calls are dropped. Pending retries end at once.
   */
  async stop(options: { timeoutMs?: number | undefined } = {}): Promise<void> {
    if (this.#stopped.signal.aborted) return;
    for (const timer of this.#timers) clearInterval(timer);
    for (const series of this.#series.values()) if (series.event.series) void this.#enqueue(structuredClone(series.event));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.flush(), new Promise((resolve) => (timer = setTimeout(resolve, options.timeoutMs ?? 5000)))]);
    clearTimeout(timer);
    this.#stopped.abort();
  }

  #eventName(subjectName: string, now: Date): string {
    // client-go: `<name>.<unix nanoseconds in hex>`; a sequence number stands in for the nanoseconds Date lacks.
    const nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(this.#sequence++ % 1_000_000);
    const name = `${subjectName}.${nanos.toString(16)}`;
    return name.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name) ? name : crypto.randomUUID();
  }

  /** Queues a write; resolves when it is done (written, given up on, or superseded). */
  #enqueue(event: Event): Promise<void> {
    if (this.#pending >= this.#maxQueued) {
      safeLog(this.#log, "error", "too many queued events; event dropped", { reason: event.reason, regarding: event.regarding?.name });
      return Promise.resolve();
    }
    this.#pending++;
    const name = event.metadata!.name!;
    const previous = this.#latest.get(name)?.done ?? Promise.resolve();
    const entry = { event, done: Promise.resolve() };
    entry.done = previous.then(() => this.#write1(name, entry));
    this.#latest.set(name, entry);
    return entry.done;
  }

  /**
   * Writes one queued event, after the earlier writes of the same event (so a series' patch never races the create
   * of its first occurrence) and within the writer limit; skipped when a newer state of the same event is queued
   * behind it (the newer one carries the latest count, and creates the event if it does not exist yet).
   */
  async #write1(name: string, entry: { event: Event; done: Promise<void> }): Promise<void> {
    try {
      if (this.#latest.get(name) !== entry) return;
      if (this.#writing >= WORKERS) await new Promise<void>((resolve) => this.#slots.push(resolve));
      this.#writing++;
      try {
        await this.#attempt(entry.event);
      } finally {
        this.#writing--;
        this.#slots.shift()?.();
      }
    } finally {
      if (this.#latest.get(name) === entry) this.#latest.delete(name);
      this.#pending--;
      if (this.#pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** Writes one event, retrying what a retry can fix (client-go's `attemptRecording`); true when written. */
  async #attempt(event: Event): Promise<boolean> {
    for (let attempt = 1; !this.#stopped.signal.aborted; attempt++) {
      const outcome = await this.#write(event);
      if (outcome !== "retry") return outcome === "written";
      if (attempt >= MAX_ATTEMPTS) {
        safeLog(this.#log, "error", "could not write event (retry limit reached)", { reason: event.reason, regarding: event.regarding?.name });
        return false;
      }
      const delay = this.#retryDelayMs * (1 + Math.random() * 0.25);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#stopped.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
    return false;
  }

  /** client-go's `recordEvent`: a series patches its count (creating the event if it is gone), else creates. */
  async #write(event: Event): Promise<"written" | "dropped" | "retry"> {
    const resource = this.#events;
    const namespace = event.metadata!.namespace!;
    const signal = this.#stopped.signal;
    try {
      if (event.series) {
        try {
          await resource.patch(event.metadata!.name!, { type: "strategic", body: { series: { count: event.series.count, lastObservedTime: event.series.lastObservedTime } } }, { namespace, signal });
          return "written";
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      const { resourceVersion: _rv, ...metadata } = event.metadata!;
      await resource.create({ ...event, metadata }, { namespace, signal });
      return "written";
    } catch (error) {
      if (signal.aborted) return "dropped";
      if (error instanceof KubernetesError) {
        // A series' create racing the first occurrence's: the event exists now, so the patch will work.
        if (isAlreadyExists(error) && event.series) return "retry";
        if (error.code === 429 || error.code >= 500) return "retry";
        if (!isAlreadyExists(error)) safeLog(this.#log, "error", "server rejected event (not retried)", { reason: event.reason, error: describeError(error) });
        return "dropped";
      }
      safeLog(this.#log, "error", "could not write event (will retry)", { reason: event.reason, error: describeError(error) });
      return "retry";
    }
  }

  /** client-go's `finishSeries`: series (and single events) not seen for `finishSeriesAfterMs` are written a last time and forgotten. */
  async #finishSeries(): Promise<void> {
    const cutoff = Date.now() - this.#finishAfterMs;
    for (const [key, series] of [...this.#series]) {
      const last = Date.parse(series.event.series?.lastObservedTime ?? series.event.eventTime);
      if (last >= cutoff) continue;
      const version = series.version;
      if (series.event.series) await this.#enqueue(structuredClone(series.event));
      if (this.#series.get(key) === series && series.version === version) this.#series.delete(key);
    }
  }

  /** client-go's `refreshExistingEventSeries`: every series' count is written. */
  async #refreshSeries(): Promise<void> {
    for (const series of [...this.#series.values()]) if (series.event.series) void this.#enqueue(structuredClone(series.event));
  }
}

/** The `ObjectReference` of an event subject, with its fields in a fixed order (events compare by it). */
export function objectReference(subject: EventSubject): ObjectReference {
  const meta = "metadata" in subject && subject.metadata ? subject.metadata : (subject as ObjectReference);
  const name = meta.name;
  if (!subject.apiVersion || !subject.kind || !name) {
    throw new TypeError(`an event's object needs apiVersion, kind and name (got ${JSON.stringify({ apiVersion: subject.apiVersion, kind: subject.kind, name })}); objects from lists carry no apiVersion/kind: add them`);
  }
  const ref: ObjectReference = { apiVersion: subject.apiVersion, kind: subject.kind, name };
  if (meta.namespace) ref.namespace = meta.namespace;
  if (meta.uid) ref.uid = meta.uid;
  if (meta.resourceVersion) ref.resourceVersion = meta.resourceVersion;
  if ("fieldPath" in subject && subject.fieldPath) ref.fieldPath = subject.fieldPath;
  return ref;
}

/** `metav1.MicroTime` as the API writes it: RFC 3339 in UTC with microseconds. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function truncateNote(note: string): string {
  if (Buffer.byteLength(note) <= NOTE_LIMIT) return note;
  let cut = note.slice(0, NOTE_LIMIT - 3);
  while (Buffer.byteLength(cut) > NOTE_LIMIT - 3) cut = cut.slice(0, -1);
  return `${cut}…`;
}
