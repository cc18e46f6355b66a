import { describe, expect, it } from "vitest";
import { ManifestError, parseManifests } from "./manifests.js";

const summary = (text: string, source?: string) => parseManifests(text, source).map((m) => `${m.index}:${m.object.kind}/${m.object.metadata?.name}`);

describe("parseManifests (as kubectl reads -f)", () => {
  it("reads --- separated documents, skipping empty and comment-only ones", () => {
    const text = [
      "# a header comment",
      "---",
      "apiVersion: v1",
      "kind: Namespace",
      "metadata: {name: demo}",
      "--- # the next one",
      "# only a comment",
      "---",
      "",
      "---",
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: settings",
      "data:",
      "  text: |",
      "    --- not a separator (indented)",
      "",
    ].join("\n");
    // Numbered as written: the comment-only chunks count (0 and 2), blank ones do not.
    expect(summary(text)).toEqual(["1:Namespace/demo", "3:ConfigMap/settings"]);
    expect(parseManifests(text)[1]!.object.data).toEqual({ text: "--- not a separator (indented)\n" });
  });

  it("flattens List kinds into their items", () => {
    const text = `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}
---
apiVersion: v1
kind: ConfigMapList
items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}]
`;
    expect(summary(text)).toEqual(["0:ConfigMap/a", "0:ConfigMap/b", "1:ConfigMap/c"]);
  });

  it("reads JSON, one value or a stream", () => {
    expect(summary('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}\n{"apiVersion":"v1","kind":"Secret","metadata":{"name":"b"}}')).toEqual(["0:ConfigMap/a", "1:Secret/b"]);
  });

  it("reads YAML 1.1 scalars as kubectl does (yes/on are booleans, so unquoted env values fail at the server as they do with kubectl)", () => {
    const [m] = parseManifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {flag: on, octal: 0755, text: 'on'}\n");
    expect(m!.object.data).toEqual({ flag: true, octal: 493, text: "on" });
  });

  it("names the source, document, kind and name in errors", () => {
    expect(() => parseManifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nkind: Secret\nmetadata: {name: token}\n", "app.yaml")).toThrowError(
      new ManifestError("app.yaml: document 1 (Secret token): apiVersion not set", "app.yaml", 1),
    );
    expect(() => parseManifests("apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, metadata: {name: x}}]\n", "list.yaml")).toThrowError("list.yaml: document 0.items[0] (object x): kind not set");
    expect(() => parseManifests("- a\n- b\n", "seq.yaml")).toThrowError("seq.yaml: document 0: expected an object with apiVersion and kind, found a list");
    expect(() => parseManifests("a: 1\n--- b: 2\n", "sep.yaml")).toThrowError('sep.yaml: document 1 (line 2): only a comment may follow the document separator "---"');
    expect(() => parseManifests("apiVersion: v1\nkind: ConfigMap\n---\nkey: [unclosed\n", "bad.yaml")).toThrowError(/^bad\.yaml: document 1/);
  });
});
