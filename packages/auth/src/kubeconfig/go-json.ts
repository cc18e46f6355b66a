import { YamlMap, type YamlValue } from "./yaml.js";

/** Go's `json.Marshal` string escaping: HTML characters and U+2028/U+2029 as \u escapes. */
function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function goNumber(n: number | bigint): string {
  if (typeof n === "bigint") return n.toString();
  return Object.is(n, -0) ? "-0" : String(n); // JS and Go pick the same shortest digits and exponent thresholds
}

/** Map keys in Go's order (bytes of UTF-8), as `json.Marshal` sorts them. */
export function goKeyOrder(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * The JSON text Go's `json.Marshal` writes for a YAML value: what client-go keeps of an extension and hands to exec
 * plugins. Iterative, so nesting depth is no concern.
 */
export function goJson(value: YamlValue): string {
  let out = "";
  const stack: Array<YamlValue | { close: string } | { sep: string }> = [value];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (item !== null && typeof item === "object" && !Array.isArray(item) && !(item instanceof YamlMap)) {
      out += "close" in item ? item.close : item.sep;
      continue;
    }
    const v = item as YamlValue;
    if (v === null) out += "null";
    else if (typeof v === "boolean") out += v ? "true" : "false";
    else if (typeof v === "number" || typeof v === "bigint") out += goNumber(v);
    else if (typeof v === "string") out += goString(v);
    else if (Array.isArray(v)) {
      out += "[";
      stack.push({ close: "]" });
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push(v[i]!);
        if (i > 0) stack.push({ sep: "," });
      }
    } else {
      out += "{";
      stack.push({ close: "}" });
      const keys = goKeyOrder(v.keys());
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push(v.get(keys[i]!)!);
        stack.push({ sep: `${i > 0 ? "," : ""}${goString(keys[i]!)}:` });
      }
    }
  }
  return out;
}
