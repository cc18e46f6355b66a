import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EXIT } from "./errors.js";
import { checkGroupPatterns, readSavedSpecs, saveSpecs, selectGroupVersion } from "./spec-source.js";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "k8s-gen-spec-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("selectGroupVersion", () => {
  it("filters by group or group/version; core is `core`", () => {
    expect(selectGroupVersion({ groups: ["core", "apps"] }, "", "v1")).toBe(true);
    expect(selectGroupVersion({ groups: ["core", "apps"] }, "batch", "v1")).toBe(false);
    expect(selectGroupVersion({ groups: ["autoscaling/v2"] }, "autoscaling", "v1")).toBe(false);
    expect(selectGroupVersion({ exclude: ["autoscaling/v1"] }, "autoscaling", "v2")).toBe(true);
    expect(selectGroupVersion({ exclude: ["storage.k8s.io"] }, "storage.k8s.io", "v1")).toBe(false);
  });
});

describe("checkGroupPatterns", () => {
  const served = [
    { group: "", version: "v1" },
    { group: "apps", version: "v1" },
    { group: "example.com", version: "v1" },
    { group: "example.com", version: "v1beta1" },
  ];
  const failure = (groups: string[]) => {
    try {
      checkGroupPatterns({ groups }, served, "the cluster at https://127.0.0.1:6443");
    } catch (error) {
      return error as { message: string; exitCode: number };
    }
    return undefined;
  };

  it("accepts groups and group/versions that are served, and any exclusion", () => {
    expect(failure(["core", "apps", "example.com/v1beta1"])).toBeUndefined();
    expect(() => checkGroupPatterns({ exclude: ["not.served.io"] }, served, "x")).not.toThrow();
  });

  it("names a typo, the nearest group and every served group with its versions (exit 2)", () => {
    const error = failure(["apps", "exmaple.com"]);
    expect(error?.exitCode).toBe(EXIT.usage);
    expect(error?.message).toBe(
      "--groups exmaple.com (did you mean example.com?): no such group-version in the cluster at https://127.0.0.1:6443; the groups there: core (v1), apps (v1), example.com (v1, v1beta1)",
    );
  });

  it("says which versions a group has when the version is wrong, and gives no hint for a far-off name", () => {
    expect(failure(["example.com/v2", "cert-manager.io"])?.message).toMatch(/^--groups example\.com\/v2 \(example\.com has v1, v1beta1\), cert-manager\.io: no such group-version in/);
  });

  it("applies to documents saved with --save-spec too", async () => {
    const dir = tempDir();
    await saveSpecs(dir, [{ key: "apis/apps/v1", group: "apps", version: "v1", document: { openapi: "3.0.0", paths: {} } }]);
    await expect(readSavedSpecs(dir, { groups: ["aps"] })).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: `--groups aps (did you mean apps?): no such group-version in the documents in --from ${dir}; the groups there: apps (v1)`,
    });
  });
});

describe("saved specs", () => {
  it("round-trips documents through DIR/api/v1.json and DIR/apis/G/V.json", async () => {
    const dir = tempDir();
    const docs = [
      { key: "api/v1", group: "", version: "v1", document: { openapi: "3.0.0", paths: {} } },
      { key: "apis/apps/v1", group: "apps", version: "v1", document: { openapi: "3.0.0", paths: {} } },
    ];
    await saveSpecs(dir, docs);
    expect(await readSavedSpecs(dir, {})).toEqual(docs);
    expect((await readSavedSpecs(dir, { exclude: ["core"] })).map((d) => d.key)).toEqual(["apis/apps/v1"]);
  });

  it("names the file and the problem for a malformed document", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.json"), "{}");
    await saveSpecs(dir, [{ key: "apis/apps/v1", group: "apps", version: "v1", document: { openapi: "3.0.0" } }]);
    writeFileSync(join(dir, "apis", "apps", "v1.json"), '{"openapi": "3.0.0", "paths": [');
    await expect(readSavedSpecs(dir, {})).rejects.toThrowError(/apis\/apps\/v1\.json: not valid JSON/);
    writeFileSync(join(dir, "apis", "apps", "v1.json"), '{"swagger": "2.0"}');
    await expect(readSavedSpecs(dir, {})).rejects.toThrowError(/v1\.json: not a document k8s-gen can generate from \(1 problem\):\n  #\/openapi: expected an OpenAPI 3 version/);
  });

  it("says when a directory holds no documents", async () => {
    await expect(readSavedSpecs(tempDir(), {})).rejects.toThrowError(/no group-version documents found/);
  });
});
