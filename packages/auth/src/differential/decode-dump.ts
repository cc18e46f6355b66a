/**
 * Our decoded kubeconfig in the shape of the reference's decode dump (scripts/clientgo-reference/decode.go), and both
 * reduced to what matters: empty lists, maps and strings are absent (client-go treats nil and empty alike).
 */
import type { DecodedKubeconfig, RawExtension } from "../kubeconfig/model.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const b64 = (b: Buffer | undefined) => (b ? b.toString("base64") : "");
const extensions = (m: Map<string, RawExtension> | undefined): Json => Object.fromEntries([...(m ?? new Map<string, RawExtension>())].map(([k, v]) => [k, v === null ? null : (JSON.parse(v) as Json)]));

/** Drops empty values and sorts keys, so that both sides compare structurally. */
export function prune(value: unknown): Json | undefined {
  if (value === null || value === undefined || value === "" || value === false) return undefined;
  if (Array.isArray(value)) return value.length ? value.map((v) => prune(v) ?? null) : undefined;
  if (typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => [k, prune((value as Record<string, unknown>)[k])] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length ? (Object.fromEntries(entries) as { [key: string]: Json }) : undefined;
  }
  return value as Json;
}

/** Extension values are compared as the exact JSON text client-go keeps. */
export function rawExtensions(m: Map<string, RawExtension> | undefined): Record<string, string | null> {
  return Object.fromEntries([...(m ?? new Map<string, RawExtension>())]);
}

export function dumpOurs(config: DecodedKubeconfig): Json {
  const clusters: Record<string, Json> = {};
  for (const [name, c] of config.clusters) {
    clusters[name] = {
      server: c.server ?? "",
      "tls-server-name": c["tls-server-name"] ?? "",
      "insecure-skip-tls-verify": c["insecure-skip-tls-verify"] ?? false,
      "certificate-authority": c["certificate-authority"] ?? "",
      "certificate-authority-data": b64(c["certificate-authority-data"]),
      "proxy-url": c["proxy-url"] ?? "",
      "disable-compression": c["disable-compression"] ?? false,
      extensions: extensions(c.extensions),
    };
  }
  const users: Record<string, Json> = {};
  for (const [name, u] of config.users) {
    const exec = u.exec;
    users[name] = {
      "client-certificate": u["client-certificate"] ?? "",
      "client-certificate-data": b64(u["client-certificate-data"]),
      "client-key": u["client-key"] ?? "",
      "client-key-data": b64(u["client-key-data"]),
      token: u.token ?? "",
      tokenFile: u.tokenFile ?? "",
      as: u.as ?? "",
      "as-uid": u["as-uid"] ?? "",
      "as-groups": u["as-groups"] ?? null,
      "as-user-extra": u["as-user-extra"] ? (Object.fromEntries(Object.entries(u["as-user-extra"]).map(([k, v]) => [k, v ?? null])) as Json) : null,
      username: u.username ?? "",
      password: u.password ?? "",
      "auth-provider": u["auth-provider"] ? ({ name: u["auth-provider"].name ?? "", config: { ...(u["auth-provider"].config ?? {}) } } as Json) : null,
      exec: exec
        ? {
            command: exec.command ?? "",
            args: exec.args ?? null,
            env: Object.fromEntries((exec.env ?? []).map((v) => [v.name ?? "", v.value ?? ""])),
            envNames: (exec.env ?? []).map((v) => v.name ?? ""),
            apiVersion: exec.apiVersion ?? "",
            installHint: exec.installHint ?? "",
            provideClusterInfo: exec.provideClusterInfo ?? false,
            interactiveMode: exec.interactiveMode ?? "",
          }
        : null,
      extensions: extensions(u.extensions),
    };
  }
  const contexts: Record<string, Json> = {};
  for (const [name, c] of config.contexts) {
    contexts[name] = { cluster: c.cluster ?? "", user: c.user ?? "", namespace: c.namespace ?? "", extensions: extensions(c.extensions) };
  }
  return {
    "current-context": config.currentContext,
    colors: config.colors,
    clusters,
    users,
    contexts,
    extensions: extensions(config.extensions),
    preferencesExtensions: extensions(config.preferencesExtensions),
  };
}
