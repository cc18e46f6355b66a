import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { type ControlPlaneAccess, apiRequest, mintServiceAccountToken } from "./admin-client.js";
import { startControlPlane } from "./control-plane.js";
import { PINNED_KUBERNETES_VERSION } from "./versions.js";

const shared = inject("controlPlane");
const admin: ControlPlaneAccess = { server: shared.server, caPem: shared.caPem, certPem: shared.admin.certPem, keyPem: shared.admin.keyPem };
const unprivileged: ControlPlaneAccess = { server: shared.server, caPem: shared.caPem, token: shared.unprivileged.token };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("the shared control plane is a real kube-apiserver", () => {
  it("lists namespaces with the admin client certificate", async () => {
    const res = await apiRequest(admin, "GET", "/api/v1/namespaces");
    expect(res.status).toBe(200);
    const names = (res.json as { items: Array<{ metadata: { name: string } }> }).items.map((ns) => ns.metadata.name);
    expect(names).toEqual(expect.arrayContaining(["default", "kube-system", "kube-public"]));
  });

  it("authenticates the static admin token as system:masters", async () => {
    const res = await apiRequest({ ...unprivileged, token: shared.adminToken.token }, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "SelfSubjectReview",
    });
    expect(res.status).toBe(201);
    expect((res.json as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo).toMatchObject({
      username: shared.adminToken.user,
      groups: expect.arrayContaining(["system:masters", "system:authenticated"]),
    });
  });

  it("rejects an unknown token with 401", async () => {
    const res = await apiRequest({ ...unprivileged, token: "not-a-token" }, "GET", "/api/v1/namespaces");
    expect(res.status).toBe(401);
  });

  it("gives the unprivileged token 403 until a RoleBinding grants it, then 200", async () => {
    const ns = `rbac-${Date.now()}`;
    expect((await apiRequest(admin, "POST", "/api/v1/namespaces", { metadata: { name: ns } })).status).toBe(201);
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    const before = await apiRequest(unprivileged, "GET", path);
    expect(before.status).toBe(403);
    expect((before.json as { reason: string }).reason).toBe("Forbidden");

    const role = { metadata: { name: "cm-reader" }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["list"] }] };
    expect((await apiRequest(admin, "POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, role)).status).toBe(201);
    const binding = {
      metadata: { name: "cm-reader" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cm-reader" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: shared.unprivileged.user }],
    };
    expect((await apiRequest(admin, "POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, binding)).status).toBe(201);
    // RBAC reads bindings from an informer cache: the grant takes effect within moments, not instantly.
    const after = await eventually(() => apiRequest(unprivileged, "GET", path), (res) => res.status === 200);
    expect(after.status).toBe(200);
    expect((after.json as { kind: string }).kind).toBe("ConfigMapList");
    // ...and only for what was granted.
    expect((await apiRequest(unprivileged, "GET", `/api/v1/namespaces/${ns}/secrets`)).status).toBe(403);
  });

  it("mints service-account tokens that authenticate as system:serviceaccount:NS:NAME", async () => {
    const token = await mintServiceAccountToken(admin, { namespace: "sa-test", name: "robot" });
    const res = await apiRequest({ ...unprivileged, token }, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      apiVersion: "authentication.k8s.io/v1",
      kind: "SelfSubjectReview",
    });
    expect(res.status).toBe(201);
    const userInfo = (res.json as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo;
    expect(userInfo.username).toBe("system:serviceaccount:sa-test:robot");
    expect(userInfo.groups).toContain("system:serviceaccounts:sa-test");
  });

  it("serves /version with the pinned release and /openapi/v3 discovery", async () => {
    const version = await apiRequest(admin, "GET", "/version");
    expect(version.status).toBe(200);
    expect(version.json).toMatchObject({ gitVersion: `v${PINNED_KUBERNETES_VERSION}`, major: "1", minor: PINNED_KUBERNETES_VERSION.split(".")[1] });

    const discovery = await apiRequest(admin, "GET", "/openapi/v3");
    expect(discovery.status).toBe(200);
    const paths = (discovery.json as { paths: Record<string, { serverRelativeURL: string }> }).paths;
    expect(paths["api/v1"]?.serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/i);
    expect(paths["apis/apps/v1"]).toBeDefined();
    const coreV1 = await apiRequest(admin, "GET", paths["api/v1"]!.serverRelativeURL);
    expect(coreV1.status).toBe(200);
    expect((coreV1.json as { openapi: string }).openapi).toMatch(/^3\./);
  });
});

describe("a control plane of its own", () => {
  it("fails to start with a clear error naming the bad flag and quoting the log", async () => {
    const failing = startControlPlane({ binaries: shared.binaries, apiServerFlags: ["--no-such-flag=1"] });
    await expect(failing).rejects.toThrowError(/kube-apiserver exited with code \d+[\s\S]*unknown flag: --no-such-flag/);
  });

  it("restarts kube-apiserver with its data, and stop() leaves no process and no directory", async () => {
    const cp = await startControlPlane({ binaries: shared.binaries });
    const pids = [cp.etcdPid!, cp.apiServerPid!];
    try {
      expect(inspect(cp)).not.toContain(cp.adminToken.token);
      expect(JSON.stringify(cp)).not.toContain(cp.adminToken.token);
      const cm = { metadata: { name: "survivor" }, data: { k: "v" } };
      expect((await apiRequest(cp.adminAccess, "POST", "/api/v1/namespaces/default/configmaps", cm)).status).toBe(201);
      const firstPid = cp.apiServerPid;
      await cp.restartApiServer({ crash: true });
      expect(cp.apiServerPid).not.toBe(firstPid);
      expect(isAlive(firstPid!)).toBe(false);
      pids.push(cp.apiServerPid!);
      const res = await apiRequest(cp.adminAccess, "GET", "/api/v1/namespaces/default/configmaps/survivor");
      expect(res.status).toBe(200);
      expect((res.json as { data: { k: string } }).data.k).toBe("v");
    } finally {
      await cp.stop();
    }
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(existsSync(cp.dir)).toBe(false);
  });

  it("keeps a given etcd data directory, and a control plane started on a copy of it has the same objects", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "etcd-data-test-"));
    try {
      const data = join(scratch, "etcd");
      const first = await startControlPlane({ binaries: shared.binaries, etcdDataDir: data });
      try {
        const cm = { metadata: { name: "seeded" }, data: { k: "v" } };
        expect((await apiRequest(first.adminAccess, "POST", "/api/v1/namespaces/default/configmaps", cm)).status).toBe(201);
      } finally {
        await first.stop();
      }
      expect(existsSync(first.dir)).toBe(false);
      expect(existsSync(join(data, "member"))).toBe(true);
      cpSync(data, join(scratch, "copy"), { recursive: true });
      const second = await startControlPlane({ binaries: shared.binaries, etcdDataDir: join(scratch, "copy") });
      try {
        const res = await apiRequest(second.adminAccess, "GET", "/api/v1/namespaces/default/configmaps/seeded");
        expect(res.status).toBe(200);
        expect((res.json as { data: { k: string } }).data.k).toBe("v");
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("cleans up when the owning process is killed with SIGKILL", async () => {
    // A separate Node process starts a control plane from the built package and is then killed without warning.
    const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    const script = `
      const { startControlPlane } = await import(${JSON.stringify(dist)});
      const cp = await startControlPlane({ binaries: ${JSON.stringify(shared.binaries)} });
      console.log(JSON.stringify({ dir: cp.dir, pids: [cp.etcdPid, cp.apiServerPid] }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const started = JSON.parse(firstLine) as { dir: string; pids: number[] };
    expect(started.pids.every(isAlive)).toBe(true);
    expect(existsSync(started.dir)).toBe(true);
    child.kill("SIGKILL");
    const gone = await eventually(
      async () => !started.pids.some(isAlive) && !existsSync(started.dir),
      (done) => done,
      20_000,
    );
    expect(gone).toBe(true);
  });
});
