#!/usr/bin/env node
// After `changeset version`: the runtime's SDK_VERSION (sent in the User-Agent) follows the packages' new version.
// The five published packages are versioned together (.changeset/config.json "fixed"), so the runtime's is theirs.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const { version } = JSON.parse(readFileSync(join(root, "packages/runtime/package.json"), "utf8"));
const file = join(root, "packages/runtime/src/user-agent.ts");
const source = readFileSync(file, "utf8");
const updated = source.replace(/export const SDK_VERSION = "[^"]*";/, `export const SDK_VERSION = ${JSON.stringify(version)};`);
if (!updated.includes(`SDK_VERSION = ${JSON.stringify(version)}`)) throw new Error(`${file}: no SDK_VERSION constant to update`);
writeFileSync(file, updated);
process.stderr.write(`[release] SDK_VERSION = ${version}\n`);
