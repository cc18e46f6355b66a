// The ESM and CJS builds of one package each have their own error classes. An app (or one of its dependencies)
// may load both: the guards and instanceof must still recognise each other's errors. Runs on the built packages.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
type Runtime = typeof import("./index.js");
type Auth = typeof import("@org/k8s-auth");

describe("errors across the ESM and CJS builds", () => {
  it("runtime: a CJS KubernetesError / TransportError is recognised by the ESM guards and classes, and back", async () => {
    const esm = (await import(new URL("../dist/index.js", import.meta.url).href)) as Runtime;
    const cjs = require("../dist/index.cjs") as Runtime;
    expect(cjs.KubernetesError).not.toBe(esm.KubernetesError);
    const request = { method: "GET", url: "https://k8s.test/api" };
    const notFound = new cjs.KubernetesError({ kind: "Status", code: 404, reason: "NotFound" }, request);
    expect(esm.isNotFound(notFound)).toBe(true);
    expect(notFound).toBeInstanceOf(esm.KubernetesError);
    expect(new esm.TransportError("x", request)).toBeInstanceOf(cjs.TransportError);
    expect(cjs.isTransportError(new esm.TransportError("x", request))).toBe(true);
    expect(notFound.name).toBe("KubernetesError");
  });

  it("auth: ConnectionError, KubeconfigError, CredentialError, NotInClusterError from either build", async () => {
    const esm = (await import(new URL("../../auth/dist/index.js", import.meta.url).href)) as Auth;
    const cjs = require("../../auth/dist/index.cjs") as Auth;
    const runtime = (await import(new URL("../dist/index.js", import.meta.url).href)) as Runtime;
    const connection = new cjs.ConnectionError("cannot reach x", { method: "GET", url: "x" }, { code: "ECONNREFUSED" });
    expect(esm.isConnectionError(connection)).toBe(true);
    expect(connection).toBeInstanceOf(esm.ConnectionError);
    expect(runtime.isTransportError(connection)).toBe(true); // a ConnectionError is the runtime's TransportError
    expect(runtime.isRetryable(connection)).toBe(true);
    expect(esm.isKubeconfigError(new cjs.KubeconfigError("bad", { file: "f" }))).toBe(true);
    expect(esm.isCredentialError(new cjs.CredentialError("no plugin"))).toBe(true);
    expect(esm.isNotInClusterError(new cjs.NotInClusterError("no pod"))).toBe(true);
    expect(new cjs.KubeconfigError("bad")).toBeInstanceOf(esm.KubeconfigError);
    expect(esm.isCredentialError(new cjs.KubeconfigError("bad"))).toBe(false);
    expect([new cjs.KubeconfigError("a").name, new cjs.CredentialError("b").name, new cjs.NotInClusterError("c").name, connection.name]).toEqual([
      "KubeconfigError",
      "CredentialError",
      "NotInClusterError",
      "ConnectionError",
    ]);
  });
});
