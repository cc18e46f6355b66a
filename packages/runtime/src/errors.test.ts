import { describe, expect, it } from "vitest";
import {
  ApplyConflictError,
  KubernetesError,
  ResourceExpiredError,
  errorFromResponse,
  isAlreadyExists,
  isConflict,
  isExpired,
  isForbidden,
  isNotFound,
} from "./errors.js";

const request = { method: "GET", url: "https://k8s.example:6443/api/v1/namespaces/x/pods/p" };

describe("errorFromResponse", () => {
  it("keeps the server's Status and names the request", () => {
    const status = { kind: "Status", status: "Failure", code: 404, reason: "NotFound", message: 'pods "p" not found', details: { name: "p", kind: "pods" } };
    const error = errorFromResponse(404, JSON.stringify(status), request);
    expect(error).toBeInstanceOf(KubernetesError);
    expect(error.status).toEqual(status);
    expect(error.details).toEqual({ name: "p", kind: "pods" });
    expect(error.message).toBe(`GET ${request.url}: 404 NotFound: pods "p" not found`);
    expect(isNotFound(error)).toBe(true);
    expect(isForbidden(error)).toBe(false);
  });

  it("synthesizes a Status when a proxy answered with something else", () => {
    const error = errorFromResponse(503, "<html>upstream unavailable</html>", request);
    expect(error.status).toMatchObject({ code: 503, reason: "ServiceUnavailable", message: "<html>upstream unavailable</html>" });
  });

  it("tells AlreadyExists from Conflict", () => {
    const exists = errorFromResponse(409, JSON.stringify({ kind: "Status", code: 409, reason: "AlreadyExists" }), request);
    const conflict = errorFromResponse(409, JSON.stringify({ kind: "Status", code: 409, reason: "Conflict" }), request);
    expect([isAlreadyExists(exists), isConflict(exists)]).toEqual([true, false]);
    expect([isAlreadyExists(conflict), isConflict(conflict)]).toEqual([false, true]);
  });

  it("makes 410 a ResourceExpiredError", () => {
    const error = errorFromResponse(410, JSON.stringify({ kind: "Status", code: 410, reason: "Expired", message: "too old resource version" }), request);
    expect(error).toBeInstanceOf(ResourceExpiredError);
    expect(isExpired(error)).toBe(true);
  });

  it("parses apply conflicts into fields and managers", () => {
    const status = {
      kind: "Status",
      code: 409,
      reason: "Conflict",
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.key',
      details: { causes: [{ reason: "FieldManagerConflict", message: 'conflict with "kubectl-client-side-apply" using v1', field: ".data.key" }] },
    };
    const error = errorFromResponse(409, JSON.stringify(status), request, true);
    expect(error).toBeInstanceOf(ApplyConflictError);
    expect((error as ApplyConflictError).conflicts).toEqual([
      { field: ".data.key", manager: "kubectl-client-side-apply", message: 'conflict with "kubectl-client-side-apply" using v1' },
    ]);
  });
});
