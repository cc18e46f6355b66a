import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { Transport, type HttpConnection, type HttpResponse } from "./transport.js";
import { followSignal } from "./signals.js";

/** A connection answering every request at once with `{}`. */
const instant: HttpConnection = {
  server: "https://test",
  namespace: "default",
  fetch: () => Promise.reject(new Error("not used")),
  request: async (): Promise<HttpResponse> => ({
    status: 200,
    header: () => undefined,
    body: (async function* () {})(),
    text: async () => "{}",
    json: async () => ({}),
    cancel: () => {},
  }),
};

describe("followSignal", () => {
  it("aborts the target with the source's reason, and stops following when told", () => {
    const source = new AbortController();
    const target = new AbortController();
    const unfollow = followSignal(source.signal, target);
    expect(getEventListeners(source.signal, "abort")).toHaveLength(1);
    unfollow();
    expect(getEventListeners(source.signal, "abort")).toHaveLength(0);
    const second = new AbortController();
    followSignal(source.signal, second);
    source.abort(new Error("why"));
    expect(second.signal.reason).toEqual(new Error("why"));
    expect(target.signal.aborted).toBe(false);
  });

  it("requests made with one long-lived signal leave nothing attached to it", async () => {
    const transport = new Transport(instant);
    const appLifetime = new AbortController().signal;
    for (let i = 0; i < 2000; i++) await transport.json({ method: "GET", path: "/api/v1/namespaces", signal: appLifetime });
    expect(getEventListeners(appLifetime, "abort")).toHaveLength(0);
  });

});
