import { execFile } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
export const repo = fileURLToPath(new URL("../../", import.meta.url));

/** The packages we publish, by directory under packages/. */
export const PUBLISHED = ["auth", "runtime", "core", "gen", "testenv"] as const;
export type PublishedPackage = (typeof PUBLISHED)[number];

/**
 * Packs packages as they would be published (`pnpm pack` turns `workspace:*` into versions) into `dest`; returns each
 * tarball's path by directory name. The packages must be built (`pnpm test` builds them before vitest runs).
 */
export async function packPackages<N extends PublishedPackage>(names: readonly N[], dest: string): Promise<Record<N, string>> {
  mkdirSync(dest, { recursive: true });
  const tarballs = {} as Record<N, string>;
  for (const name of names) {
    await exec("pnpm", ["pack", "--pack-destination", dest], { cwd: join(repo, "packages", name), timeout: 120_000 });
    const file = readdirSync(dest).find((f) => f.startsWith(`org-k8s-${name}-`) && f.endsWith(".tgz"));
    if (!file) throw new Error(`pnpm pack of packages/${name} left no tarball in ${dest}`);
    tarballs[name] = join(dest, file);
  }
  return tarballs;
}
