import { createClient } from "@org/k8s-runtime";
import { describe, expect, it } from "vitest";
import { LeaderElector, fromSpec } from "./leader-election.js";

// Configuration is checked as client-go's NewLeaderElector checks it, before any request (this client has no server).
const client = createClient({ server: "https://127.0.0.1:1", namespace: "default", fetch: () => Promise.reject(new Error("no server here")) });
const base = { client, namespace: "default", name: "app", identity: "me" };

describe("LeaderElector configuration", () => {
  it("takes client-go's defaults and a generated identity", () => {
    const elector = new LeaderElector({ ...base, identity: undefined });
    expect(elector.identity).toMatch(/^.+_[0-9a-f-]{36}$/);
    expect(elector.isLeader()).toBe(false);
    expect(elector.leader).toBeUndefined();
  });

  it.each([
    [{ leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }, /leaseDurationMs must be greater than renewDeadlineMs/],
    [{ renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }, /renewDeadlineMs must be greater than retryPeriodMs \* 1.2/],
    [{ retryPeriodMs: 0 }, /retryPeriodMs must be greater than zero/],
    [{ leaseDurationMs: 900, renewDeadlineMs: 500, retryPeriodMs: 100 }, /at least 1000/],
    [{ name: "" }, /name and namespace are required/],
    [{ identity: "" }, /identity must not be empty/],
  ])("refuses %o", (options, message) => {
    expect(() => new LeaderElector({ ...base, ...options })).toThrow(message);
  });

  it("reads a Lease spec as client-go's LeaseSpecToLeaderElectionRecord (missing fields empty)", () => {
    expect(fromSpec(undefined)).toEqual({ holderIdentity: "", leaseDurationSeconds: 0, acquireTime: "", renewTime: "", leaseTransitions: 0 });
    expect(fromSpec({ holderIdentity: "x", leaseTransitions: 3 })).toMatchObject({ holderIdentity: "x", leaseTransitions: 3, leaseDurationSeconds: 0 });
  });
});
