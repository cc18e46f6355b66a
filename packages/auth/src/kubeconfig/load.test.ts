import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeconfigError } from "../errors.js";
import { type Scratch, scratch } from "../testing/tmp.js";
import { kubeconfigPaths, loadKubeconfig, parseKubeconfig } from "./load.js";

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(() => s.remove());

const cfg = (name: string, extra: Record<string, unknown> = {}) => ({
  clusters: [{ name: "c", cluster: { server: `https://${name}` } }],
  users: [{ name: "u", user: { token: name } }],
  contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
  ...extra,
});

describe("which files", () => {
  it("explicit path replaces KUBECONFIG", () => {
    expect(kubeconfigPaths("/x", { KUBECONFIG: "/a:/b" })).toEqual({ paths: ["/x"], explicit: true });
  });
  it("KUBECONFIG is split on ':' with empty entries and duplicates removed, order kept", () => {
    expect(kubeconfigPaths(undefined, { KUBECONFIG: "/a::/b:/a:/c" }).paths).toEqual(["/a", "/b", "/c"]);
  });
  it("empty KUBECONFIG falls back to $HOME/.kube/config", () => {
    expect(kubeconfigPaths(undefined, { KUBECONFIG: "", HOME: "/home/me" }).paths).toEqual(["/home/me/.kube/config"]);
  });
});

describe("merging", () => {
  it("first file wins every entry (no deep merge); first non-empty current-context wins", () => {
    const a = s.kubeconfig("a", { ...cfg("a"), "current-context": "" });
    const b = s.kubeconfig("b", {
      ...cfg("b"),
      "current-context": "from-b",
      clusters: [
        { name: "c", cluster: { server: "https://b", "tls-server-name": "x" } },
        { name: "only-b", cluster: { server: "https://only-b" } },
      ],
    });
    const c = s.kubeconfig("c", { "current-context": "from-c" });
    const merged = loadKubeconfig(undefined, { KUBECONFIG: [a, b, c].join(":") });
    expect(merged.currentContext).toBe("from-b");
    expect(merged.clusters.get("c")?.value).toEqual({ server: "https://a" });
    expect(merged.clusters.get("c")?.file).toBe(a);
    expect(merged.clusters.get("only-b")?.file).toBe(b);
    expect(merged.users.get("u")?.value.token).toBe("a");
  });

  it("missing files in KUBECONFIG are skipped", () => {
    const a = s.kubeconfig("a", cfg("a"));
    const merged = loadKubeconfig(undefined, { KUBECONFIG: `${s.path("nope")}:${a}` });
    expect(merged.files).toEqual([a]);
  });

  it("a missing explicit file is an error naming it", () => {
    expect(() => loadKubeconfig(s.path("nope"), {})).toThrowError(/^stat .*nope: no such file or directory/);
  });

  it("a bad file fails the whole load", () => {
    const a = s.kubeconfig("a", cfg("a"));
    const bad = s.write("bad", "clusters: [\n");
    expect(() => loadKubeconfig(undefined, { KUBECONFIG: `${a}:${bad}` })).toThrowError(`error loading config file "${bad}"`);
  });

  it("a 0-byte file is an empty config", () => {
    const empty = s.write("empty", "");
    expect(loadKubeconfig(empty, {}).clusters.size).toBe(0);
  });

  it("a comment-only file is an empty config; of several documents the first is the config", () => {
    expect(parseKubeconfig("# nothing here\n", "/k").clusters).toEqual([]);
    expect(parseKubeconfig("current-context: a\n---\ncurrent-context: b\n", "/k").currentContext).toBe("a");
  });
});

describe("parsing", () => {
  it("malformed YAML names the file and line", () => {
    const error = (() => {
      try {
        parseKubeconfig("clusters:\n- name: a\n  cluster: {server: x\n", "/k/config");
      } catch (e) {
        return e as KubeconfigError;
      }
    })();
    expect(error).toBeInstanceOf(KubeconfigError);
    expect(error?.message).toMatch(/^error loading config file "\/k\/config": invalid YAML at line \d+, column \d+/);
    expect(error?.file).toBe("/k/config");
  });

  it("duplicate names in one file are rejected", () => {
    const text = "users:\n- name: a\n  user: {}\n- name: a\n  user: {}\n";
    expect(() => parseKubeconfig(text, "/k")).toThrowError('error loading config file "/k": duplicate name "a" in list');
  });

  it("duplicate keys are rejected with a line", () => {
    expect(() => parseKubeconfig("current-context: a\ncurrent-context: b\n", "/k")).toThrowError(/line 2/);
  });

  it("a top level that is not a mapping is rejected", () => {
    expect(() => parseKubeconfig("- a\n", "/k")).toThrowError(/not a kubeconfig/);
  });

  it("relative paths resolve against the defining file; no ~ expansion; bare exec commands stay on PATH", () => {
    const parsed = parseKubeconfig(
      [
        "clusters:",
        "- name: c",
        "  cluster: {server: https://x, certificate-authority: ca.crt}",
        "users:",
        "- name: u",
        "  user: {client-certificate: ../u.crt, client-key: /abs/u.key, tokenFile: ~/t, exec: {command: bin/plugin}}",
        "- name: v",
        "  user: {exec: {command: gke-plugin}}",
      ].join("\n"),
      "/etc/kube/config",
    );
    expect(parsed.clusters[0]!.value["certificate-authority"]).toBe("/etc/kube/ca.crt");
    const u = parsed.users[0]!.value;
    expect(u["client-certificate"]).toBe("/etc/u.crt");
    expect(u["client-key"]).toBe("/abs/u.key");
    expect(u.tokenFile).toBe("/etc/kube/~/t");
    expect(u.exec?.command).toBe("/etc/kube/bin/plugin");
    expect(parsed.users[1]!.value.exec?.command).toBe("gke-plugin");
  });
});
