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
    expect(parseKubeconfig("# nothing here\n", "/k").clusters.size).toBe(0);
    expect(parseKubeconfig("current-context: a\n---\ncurrent-context: b\n", "/k").currentContext).toBe("a");
    // go-yaml never reads past the first document, so a broken second one does not matter
    expect(parseKubeconfig("current-context: a\n---\nfoo: [\n", "/k").currentContext).toBe("a");
  });

  it("every file that fails to load is reported", () => {
    const bad1 = s.write("bad1", "clusters: [\n");
    const bad2 = s.write("bad2", "users: 5\n");
    expect(() => loadKubeconfig(undefined, { KUBECONFIG: `${bad1}:${bad2}` })).toThrowError(
      new RegExp(`^\\[error loading config file "${bad1}": .*, error loading config file "${bad2}": .*\\]$`),
    );
  });
});

function errorOf(text: string | Buffer): KubeconfigError {
  try {
    parseKubeconfig(text, "/k/config");
  } catch (e) {
    return e as KubeconfigError;
  }
  throw new Error("no error");
}

describe("parsing", () => {
  it("malformed YAML names the file and line, never the content", () => {
    const error = errorOf("clusters:\n- name: a\n  cluster: {server: fake-secret-x\n");
    expect(error).toBeInstanceOf(KubeconfigError);
    expect(error.message).toMatch(/^error loading config file "\/k\/config": yaml: line \d+: /);
    expect(error.message).not.toContain("fake-secret");
    expect(error.file).toBe("/k/config");
  });

  it("duplicate names in one file are rejected", () => {
    const text = "users:\n- name: a\n  user: {}\n- name: a\n  user: {}\n";
    expect(() => parseKubeconfig(text, "/k")).toThrowError('error loading config file "/k": duplicate name "a" in list (user "a", field "users[1].name")');
  });

  it("a repeated key is accepted and the last one wins, as go-yaml decodes it (client-go does not reject it)", () => {
    expect(parseKubeconfig("current-context: a\ncurrent-context: b\n", "/k").currentContext).toBe("b");
    const users = parseKubeconfig("users:\n- name: u\n  user:\n    token: one\n    token: two\n", "/k").users;
    expect(users.get("u")?.token).toBe("two");
  });

  it("a top level that is not a mapping is rejected", () => {
    expect(errorOf("- a\n").message).toMatch(/couldn't get version\/kind; json parse error: the top level is an array, not a mapping/);
  });

  it("a field of the wrong type names the file, entry and field as client-go's decoder reports it", () => {
    const error = errorOf("clusters:\n- name: prod\n  cluster:\n    server: 12345\n");
    expect(error.message).toBe(
      'error loading config file "/k/config": json: cannot unmarshal number into Go struct field Cluster.clusters.cluster.server of type string (cluster "prod", field "clusters[0].cluster.server")',
    );
    expect(error).toMatchObject({ file: "/k/config", entry: "prod", field: "clusters[0].cluster.server" });
    expect(errorOf("users:\n- name: u\n  user: {as-groups: admins}\n").field).toBe("users[0].user.as-groups");
    expect(errorOf("contexts: {}\n").message).toContain("Config.contexts of type []v1.NamedContext");
    expect(errorOf("users:\n- name: u\n  user: {exec: {args: [1]}}\n").message).toContain("ExecConfig.users.user.exec.args of type string");
  });

  it("YAML 1.1 scalars, as go-yaml reads them: yes/on are booleans, numbers are not strings", () => {
    const c = parseKubeconfig("clusters:\n- name: c\n  cluster: {server: x, insecure-skip-tls-verify: yes, disable-compression: on}\n", "/k").clusters.get("c");
    expect(c).toMatchObject({ "insecure-skip-tls-verify": true, "disable-compression": true });
    expect(errorOf("clusters:\n- name: c\n  cluster: {server: 0x1F}\n").message).toContain("cannot unmarshal number");
    expect(errorOf("clusters:\n- name: c\n  cluster: {insecure-skip-tls-verify: 'true'}\n").message).toContain("cannot unmarshal string into Go struct field Cluster.clusters.cluster.insecure-skip-tls-verify of type bool");
    expect(parseKubeconfig("current-context: 2001-12-14\n", "/k").currentContext).toBe("2001-12-14"); // a timestamp stays a string
  });

  it("data fields are padded standard base64, decoded when the file is read", () => {
    expect(parseKubeconfig("clusters:\n- name: c\n  cluster: {certificate-authority-data: QUJD}\n", "/k").clusters.get("c")?.["certificate-authority-data"]?.toString()).toBe("ABC");
    expect(errorOf("clusters:\n- name: c\n  cluster: {certificate-authority-data: QUI}\n").message).toMatch(/illegal base64 data at input byte \d+ \(cluster "c", field "clusters\[0\].cluster.certificate-authority-data"\)/);
  });

  it("merge keys and aliases are expanded into plain values", () => {
    const text = "base: &b {server: https://x, tls-server-name: sni}\nclusters:\n- name: a\n  cluster: {<<: *b}\n- name: b\n  cluster: *b\n";
    const clusters = parseKubeconfig(text, "/k").clusters;
    expect(clusters.get("a")).toEqual({ server: "https://x", "tls-server-name": "sni" });
    expect(clusters.get("b")).toEqual(clusters.get("a"));
    expect(clusters.get("a")).not.toBe(clusters.get("b"));
  });

  it("an alias bomb fails fast with go-yaml's message", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ..."bcdefghij".split("").map((c, i) => `${c}: &${c} [${Array(10).fill(`*${"abcdefghij"[i]}`).join(",")}]`)];
    const started = Date.now();
    expect(errorOf(levels.join("\n")).message).toMatch(/yaml: line \d+: document contains excessive aliasing/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("UTF-16 files with a byte-order mark are read, as go-yaml reads them", () => {
    const text = "current-context: é\n";
    const le = Buffer.from(`\ufeff${text}`, "utf16le");
    expect(parseKubeconfig(le, "/k").currentContext).toBe("é");
    const be = Buffer.from(le);
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
    expect(parseKubeconfig(be, "/k").currentContext).toBe("é");
    expect(errorOf(Buffer.from("a: b\\n", "utf16le")).message).toMatch(/control characters are not allowed/); // no BOM: UTF-8 with NULs
    expect(errorOf(Buffer.from([0x61, 0x3a, 0x20, 0xc3, 0x28])).message).toMatch(/invalid UTF-8/);
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
    expect(parsed.clusters.get("c")!["certificate-authority"]).toBe("/etc/kube/ca.crt");
    const u = parsed.users.get("u")!;
    expect(u["client-certificate"]).toBe("/etc/u.crt");
    expect(u["client-key"]).toBe("/abs/u.key");
    expect(u.tokenFile).toBe("/etc/kube/~/t");
    expect(u.exec?.command).toBe("/etc/kube/bin/plugin");
    expect(parsed.users.get("v")!.exec?.command).toBe("gke-plugin");
  });
});
