/** Temp-directory helpers for unit tests. Not part of the package's API. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { dump as stringify } from "js-yaml";

/** A scratch directory with helpers to write files and kubeconfigs into it. */
export interface Scratch {
  dir: string;
  path(name: string): string;
  write(name: string, content: string, mode?: number): string;
  kubeconfig(name: string, config: unknown): string;
  /** An environment with no kubeconfig, no pod and no proxies: HOME points into the scratch directory. */
  env(extra?: Record<string, string>): Record<string, string | undefined>;
  remove(): void;
}

export function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), "k8s-auth-"));
  const path = (name: string) => join(dir, name);
  const write = (name: string, content: string, mode?: number) => {
    const file = path(name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    if (mode !== undefined) chmodSync(file, mode);
    return file;
  };
  return {
    dir,
    path,
    write,
    kubeconfig: (name, config) => write(name, typeof config === "string" ? config : stringify(config)),
    env: (extra = {}) => ({ HOME: join(dir, "home"), PATH: process.env.PATH, ...extra }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A one-cluster, one-user, one-context kubeconfig. */
export function simpleConfig(user: Record<string, unknown> = {}, cluster: Record<string, unknown> = {}, context: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Config",
    "current-context": "ctx",
    clusters: [{ name: "c", cluster: { server: "https://k8s.example.com:6443", ...cluster } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u", ...context } }],
  };
}
