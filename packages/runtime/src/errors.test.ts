import { describe, expect, it } from "vitest";
import {
  ApplyConflictError,
  KubernetesError,
  ResourceExpiredError,
  TransportError,
  errorFromResponse,
  isAlreadyExists,
  isConflict,
  isExpired,
  isForbidden,
  isNotFound,
  isRetryable,
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

describe("error classes across copies of the package", () => {
  it("each class carries its own name, in String(), the stack and inspect", () => {
    const status = { kind: "Status" as const, code: 409, reason: "Conflict", message: "m" };
    const errors = [
      new KubernetesError(status, request),
      new ApplyConflictError(status, request),
      new ResourceExpiredError({ ...status, code: 410, reason: "Expired" }, request),
      new TransportError("GET x: boom", request, { code: "ECONNRESET" }),
    ];
    expect(errors.map((e) => e.name)).toEqual(["KubernetesError", "ApplyConflictError", "ResourceExpiredError", "TransportError"]);
    for (const error of errors) {
      expect(String(error).startsWith(`${error.name}: `)).toBe(true);
      expect(error.stack?.startsWith(`${error.name}: `)).toBe(true);
      expect(Object.keys(error)).not.toContain("name"); // on the prototype, not an own field of every instance
    }
  });

  it("guards and instanceof recognise errors made by another copy of the module (as the ESM and CJS builds are)", async () => {
    const copyPath = "./errors.js?second-copy";
    const copy = (await import(/* @vite-ignore */ copyPath)) as typeof import("./errors.js");
    expect(copy.KubernetesError).not.toBe(KubernetesError); // really a second module instance
    const foreign = copy.errorFromResponse(410, JSON.stringify({ kind: "Status", code: 410, reason: "Expired" }), request);
    expect(isExpired(foreign)).toBe(true);
    expect(foreign).toBeInstanceOf(ResourceExpiredError);
    expect(foreign).toBeInstanceOf(KubernetesError);
    expect(foreign).not.toBeInstanceOf(ApplyConflictError);
    expect(new TransportError("x", request)).toBeInstanceOf(copy.TransportError);
    expect(copy.isTransportError(new TransportError("x", request))).toBe(true);
    expect(copy.isKubernetesError(new TransportError("x", request))).toBe(false);
    expect(new Error("plain")).not.toBeInstanceOf(KubernetesError);
  });

  it("retryable is a property of the error", () => {
    const of = (code: number, retryAfter?: number) => errorFromResponse(code, "", request, false, retryAfter);
    expect([429, 500, 502, 503, 504].map((code) => isRetryable(of(code)))).toEqual([true, true, true, true, true]);
    expect([400, 401, 403, 404, 409, 410, 422].map((code) => isRetryable(of(code)))).toEqual([false, false, false, false, false, false, false]);
    expect(isRetryable(of(409, 3))).toBe(true); // the server said when to try again
    expect(isRetryable(new TransportError("x", request, { code: "ECONNRESET" }))).toBe(true);
    expect(isRetryable(new TransportError("x", request, { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }))).toBe(false);
    expect(isRetryable(new TypeError("bug"))).toBe(false);
  });
});
