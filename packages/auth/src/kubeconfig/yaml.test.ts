import { describe, expect, it } from "vitest";
import { goJson } from "./go-json.js";
import { YamlError, YamlMap, formatFloat32Key, parseKubeconfigYaml } from "./yaml.js";

describe("YAML as go-yaml v2 decodes it", () => {
  it("extensions become the JSON text Go's json.Marshal writes (sorted keys, HTML escapes, exact integers)", () => {
    const value = parseKubeconfigYaml("x: {b: '<&>', a: [1, 1.5, -0.0, 1e21, 1e-7, 9007199254740993, true, ~, 2001-12-14]}\n") as YamlMap;
    expect(goJson(value.get("x")!)).toBe('{"a":[1,1.5,-0,1e+21,1e-7,9007199254740993,true,null,"2001-12-14"],"b":"\\u003c\\u0026\\u003e"}');
  });
  it("float map keys are formatted as Go's FormatFloat(f, 'g', -1, 32)", () => {
    expect([1.5, 1e7, 123456, 1234567, 0.0001, 0.00001, 0.1, -2.5].map(formatFloat32Key)).toEqual(["1.5", "1e+07", "123456", "1.234567e+06", "0.0001", "1e-05", "0.1", "-2.5"]);
  });
  it("aliases are copies, so later traversals are linear; go-yaml's ratio limit still allows ordinary reuse", () => {
    const doc = parseKubeconfigYaml(`base: &b {k: [1, 2, 3]}\n${Array.from({ length: 2000 }, (_, i) => `u${i}: {own: ${i}, shared: *b}`).join("\n")}\n`) as YamlMap;
    const first = (doc.get("u0") as YamlMap).get("shared");
    expect(first).toEqual((doc.get("u1999") as YamlMap).get("shared"));
    expect(first).not.toBe((doc.get("u1999") as YamlMap).get("shared"));
  });
  it("nesting up to the limit is decoded without recursion; beyond it is an error, not a stack overflow", () => {
    expect(() => parseKubeconfigYaml(`x: ${"[".repeat(900)}${"]".repeat(900)}\n`)).not.toThrow();
    expect(() => parseKubeconfigYaml(`x: ${"[".repeat(200_000)}`)).toThrowError(YamlError);
    expect(() => parseKubeconfigYaml(`x: ${"{a: ".repeat(5000)}1${"}".repeat(5000)}`)).toThrowError(/exceeded max depth of 1000/);
  });
  it("a self-referencing anchor is go-yaml's error", () => {
    expect(() => parseKubeconfigYaml("a: &a [*a]\n")).toThrowError(/anchor 'a' value contains itself/);
  });
});
