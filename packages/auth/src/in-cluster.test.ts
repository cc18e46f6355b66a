import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateCertificateAuthority } from "@org/k8s-testenv";
import { resolveConfig } from "./load-connection.js";
import { NotInClusterError } from "./errors.js";
import { type Scratch, scratch, simpleConfig } from "./testing/tmp.js";

let s: Scratch;
let sa: string;
let CA_PEM: string;
beforeAll(async () => {
  CA_PEM = (await generateCertificateAuthority("in-cluster-test")).certPem;
}, 30_000);
beforeEach(() => {
  s = scratch();
  sa = s.path("sa");
  s.write("sa/token", "  sa-token\n");
  s.write("sa/ca.crt", CA_PEM);
  s.write("sa/namespace", " team-ns \n");
});
afterEach(() => s.remove());

const pod = (extra: Record<string, string> = {}) => s.env({ KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443", ...extra });

describe("in-cluster configuration", () => {
  it("https://host:port, the token file, ca.crt and the namespace file", () => {
    const r = resolveConfig({ env: pod(), serviceAccountDir: sa, inCluster: true });
    expect(r).toMatchObject({ source: "in-cluster", server: "https://10.0.0.1:443", namespace: "team-ns", tls: { ca: CA_PEM, insecureSkipVerify: false } });
    // The content as read (untrimmed, client-go's BearerToken) backs up later reads of the file.
    expect(r.auth).toEqual({ kind: "token", token: "  sa-token\n", tokenFile: s.path("sa/token") });
  });
  it("brackets IPv6 hosts", () => {
    expect(resolveConfig({ env: pod({ KUBERNETES_SERVICE_HOST: "fd00::1" }), serviceAccountDir: sa, inCluster: true }).server).toBe("https://[fd00::1]:443");
  });
  it("POD_NAMESPACE wins over the namespace file; an override wins over both; default when neither", () => {
    expect(resolveConfig({ env: pod({ POD_NAMESPACE: "from-env" }), serviceAccountDir: sa, inCluster: true }).namespace).toBe("from-env");
    expect(resolveConfig({ env: pod({ POD_NAMESPACE: "from-env" }), serviceAccountDir: sa, inCluster: true, namespace: "o" }).namespace).toBe("o");
    s.write("sa/namespace", "  \n");
    expect(resolveConfig({ env: pod(), serviceAccountDir: sa, inCluster: true }).namespace).toBe("default");
  });
  it("a missing or unparsable ca.crt uses the system roots (client-go only logs it)", () => {
    s.write("sa2/token", "t");
    expect(resolveConfig({ env: pod(), serviceAccountDir: s.path("sa2"), inCluster: true }).tls.ca).toBeUndefined();
    s.write("sa2/ca.crt", "not a certificate");
    expect(resolveConfig({ env: pod(), serviceAccountDir: s.path("sa2"), inCluster: true }).tls.ca).toBeUndefined();
  });
  it("an empty token file is refused, as client-go's transport refuses it", () => {
    s.write("sa/token", "");
    expect(() => resolveConfig({ env: pod(), serviceAccountDir: sa, inCluster: true })).toThrowError(/^read empty token from file ".*sa\/token"/);
  });
  it("a service host Node would read differently from Go is refused", () => {
    expect(() => resolveConfig({ env: pod({ KUBERNETES_SERVICE_HOST: "167772161" }), serviceAccountDir: sa, inCluster: true })).toThrowError(NotInClusterError);
  });
  it("never reads KUBERNETES_SERVICE_PORT_HTTPS; missing env is client-go's ErrNotInCluster", () => {
    const env = s.env({ KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT_HTTPS: "443" });
    expect(() => resolveConfig({ env, serviceAccountDir: sa, inCluster: true })).toThrowError(
      new NotInClusterError("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"),
    );
  });
  it("a missing token file is its raw open error", () => {
    expect(() => resolveConfig({ env: pod(), serviceAccountDir: s.path("nothing"), inCluster: true })).toThrowError(/^open .*nothing\/token: no such file or directory/);
  });
  it("server and token overrides still apply", () => {
    const r = resolveConfig({ env: pod(), serviceAccountDir: sa, inCluster: true, server: "https://other:6443", token: "t" });
    expect(r).toMatchObject({ server: "https://other:6443", auth: { kind: "token", token: "t" } });
  });
});

describe("default loading order", () => {
  it("falls back to in-cluster when there is no kubeconfig", () => {
    expect(resolveConfig({ env: pod(), serviceAccountDir: sa }).source).toBe("in-cluster");
  });
  it("falls back when the kubeconfig is empty", () => {
    const file = s.write("empty", "");
    expect(resolveConfig({ env: pod({ KUBECONFIG: file }), serviceAccountDir: sa }).source).toBe("in-cluster");
  });
  it("a usable kubeconfig wins, and a context without namespace takes the pod's namespace", () => {
    const file = s.kubeconfig("config", simpleConfig({ token: "t" }));
    const r = resolveConfig({ env: pod({ KUBECONFIG: file }), serviceAccountDir: sa });
    expect(r).toMatchObject({ source: "kubeconfig", namespace: "team-ns" });
    const outside = resolveConfig({ env: s.env({ KUBECONFIG: file }), serviceAccountDir: sa });
    expect(outside.namespace).toBe("default");
  });
  it("any other error is returned as is (no fallback)", () => {
    const bad = s.write("bad", "clusters: [");
    expect(() => resolveConfig({ env: pod({ KUBECONFIG: bad }), serviceAccountDir: sa })).toThrowError(/error loading config file/);
    const file = s.kubeconfig("config", simpleConfig({ token: "t" }));
    expect(() => resolveConfig({ env: pod({ KUBECONFIG: file }), serviceAccountDir: sa, context: "nope" })).toThrowError(/context "nope" does not exist/);
  });
  it("in-cluster needs the token file (Possible())", () => {
    expect(() => resolveConfig({ env: pod(), serviceAccountDir: s.path("nothing") })).toThrowError(/not in a cluster/);
  });
  it("not in a cluster: a clear error; inCluster: false keeps client-go's empty-config error", () => {
    expect(() => resolveConfig({ env: s.env(), serviceAccountDir: sa })).toThrowError(NotInClusterError);
    expect(() => resolveConfig({ env: s.env(), serviceAccountDir: sa })).toThrowError(/not in a cluster/);
    expect(() => resolveConfig({ env: pod(), serviceAccountDir: sa, inCluster: false })).toThrowError(/^invalid configuration: no configuration has been provided/);
  });
  it("reads $HOME/.kube/config by default", () => {
    s.kubeconfig("home/.kube/config", simpleConfig({ token: "t" }, { server: "https://home:6443" }));
    expect(resolveConfig({ env: s.env(), serviceAccountDir: sa }).server).toBe("https://home:6443");
  });
});
