/**
 * Fixture cases for the client-go differential test: loading them from `fixtures/*.json` and materializing one
 * into a fresh temporary directory (with its own empty HOME), with placeholders expanded.
 *
 * A fixture file is `{ description, expect?, env, request, files }`:
 * - `files` maps a path relative to the temp dir to `{ kubeconfig: object }` (written as JSON, which is YAML),
 *   `{ text }` or `{ lines }` (joined with "\n", plus a final newline), with an optional octal `mode` ("755") and
 *   `encoding` ("utf16le" or "utf16be", written with a byte-order mark; UTF-8 otherwise).
 * - `env` is the whole environment (besides PATH and HOME, which the harness sets); `request` holds the
 *   `loadConnection` options (kubeconfig, context, cluster, user, namespace, server, inCluster, serviceAccountDir).
 * - Strings anywhere may use `${DIR}` (the temp dir) and the PKI placeholders of {@link Pki}: CA_PEM, CA_PEM_B64,
 *   CLIENT_CERT_PEM, CLIENT_CERT_B64, CLIENT_KEY_PEM, CLIENT_KEY_B64, OTHER_CERT_PEM, OTHER_KEY_PEM, all generated
 *   at test time so no private key is committed.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateCertificateAuthority } from "@org/k8s-testenv";

export type FileSpec = ({ kubeconfig: unknown } | { text: string } | { lines: string[] }) & { mode?: string; encoding?: "utf16le" | "utf16be" };

/** The file's bytes: UTF-8, or UTF-16 with a byte-order mark. */
function encode(content: string, encoding: FileSpec["encoding"]): Buffer {
  if (!encoding) return Buffer.from(content, "utf8");
  const le = Buffer.from(`\ufeff${content}`, "utf16le");
  if (encoding === "utf16be") for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

export interface Fixture {
  name: string;
  description: string;
  /** What client-go does with it, when the fixture is about that ("ok" or "error"); checked, so agreement is not vacuous. */
  expect?: "ok" | "error";
  env: Record<string, string>;
  request: FixtureRequest;
  files: Record<string, FileSpec>;
}

export interface FixtureRequest {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  server?: string;
  inCluster?: "auto" | boolean;
  serviceAccountDir?: string;
}

/** A fixture written to disk: absolute paths, the exact environment both resolvers get, and what must not leak. */
export interface MaterializedFixture {
  dir: string;
  env: Record<string, string>;
  request: FixtureRequest & { serviceAccountDir: string };
  /** Secret values of the fixture (fake tokens and passwords, the client keys) that no error message may contain. */
  secrets: string[];
}

export type Pki = Record<
  "CA_PEM" | "CA_PEM_B64" | "CLIENT_CERT_PEM" | "CLIENT_CERT_B64" | "CLIENT_KEY_PEM" | "CLIENT_KEY_B64" | "OTHER_CERT_PEM" | "OTHER_KEY_PEM",
  string
>;

export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

export function loadFixtures(dir = FIXTURES_DIR): Fixture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const raw = JSON.parse(readFileSync(join(dir, f), "utf8")) as Omit<Fixture, "name">;
      return {
        name: basename(f, ".json"),
        description: raw.description,
        ...(raw.expect ? { expect: raw.expect } : {}),
        env: raw.env ?? {},
        request: raw.request ?? {},
        files: raw.files ?? {},
      };
    });
}

/** Generates the throwaway PKI the placeholders stand for. */
export async function generatePki(): Promise<Pki> {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const ca = await generateCertificateAuthority("differential-ca");
  const client = await ca.issue({ commonName: "differential-user", organizations: ["differential-group"], usage: "client" });
  const other = await ca.issue({ commonName: "other-user", usage: "client" });
  return {
    CA_PEM: ca.certPem,
    CA_PEM_B64: b64(ca.certPem),
    CLIENT_CERT_PEM: client.certPem,
    CLIENT_CERT_B64: b64(client.certPem),
    CLIENT_KEY_PEM: client.keyPem,
    CLIENT_KEY_B64: b64(client.keyPem),
    OTHER_CERT_PEM: other.certPem,
    OTHER_KEY_PEM: other.keyPem,
  };
}

function expand<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === "string") {
    return value.replace(/\$\{([A-Z0-9_]+)\}/g, (m, name: string) => {
      const v = vars[name];
      if (v === undefined) throw new Error(`unknown fixture placeholder ${m}`);
      return v;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => expand(v, vars)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [expand(k, vars), expand(v, vars)])) as T;
  }
  return value;
}

/** Writes the fixture into a fresh temp dir. PATH is inherited (exec plugins are `#!/bin/sh` scripts); HOME is empty. */
export function materialize(fixture: Fixture, pki: Pki, parent = tmpdir()): MaterializedFixture {
  const dir = mkdtempSync(join(parent, `k8s-diff-${fixture.name}-`));
  const vars = { ...pki, DIR: dir };
  mkdirSync(join(dir, "home"));
  for (const [rel, spec] of Object.entries(expand(fixture.files, vars))) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    const content =
      "kubeconfig" in spec ? JSON.stringify(spec.kubeconfig, null, 2) + "\n" : "lines" in spec ? spec.lines.join("\n") + "\n" : spec.text;
    writeFileSync(path, encode(content, spec.encoding));
    if (spec.mode) chmodSync(path, parseInt(spec.mode, 8)); // the executable bit is set here, not committed
  }
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: join(dir, "home"), ...expand(fixture.env, vars) };
  // Never let the machine's /var/run/secrets/kubernetes.io/serviceaccount take part: default to one in the temp dir.
  const request = { serviceAccountDir: join(dir, "serviceaccount"), ...expand(fixture.request, vars) };
  const fixtureText = JSON.stringify(fixture);
  const secrets = new Set<string>(fixtureText.match(/fake-(?!user\b)[A-Za-z0-9-]+/g) ?? []);
  for (const key of [pki.CLIENT_KEY_PEM, pki.OTHER_KEY_PEM]) {
    secrets.add(key.trim());
    secrets.add(Buffer.from(key).toString("base64"));
    const body = key.split("\n").filter((l) => l && !l.startsWith("-----"));
    for (const line of body) if (line.length >= 16) secrets.add(line);
  }
  return { dir, env, request, secrets: [...secrets] };
}
