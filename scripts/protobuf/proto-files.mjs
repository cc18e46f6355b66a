// Reads the `generated.proto` files of k8s.io/api and k8s.io/apimachinery (proto2, as go-to-protobuf writes them:
// top-level messages of `optional`/`repeated` fields and `map<string, V>` fields; no enums, oneofs or nesting).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Every `generated.proto` under `dir`. */
export function findProtoFiles(dir) {
  const found = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === "generated.proto") found.push(path);
    }
  };
  walk(dir);
  return found.sort();
}

/**
 * Parses one file: `{ package, messages: Map<fullName, { name, fields: Map<number, field> }> }`; a field is
 * `{ name, number, label: "optional" | "repeated" | "map", type, key?, value? }` with message types fully qualified
 * (`k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta`). Anything outside that subset fails, naming file and line.
 */
export function parseProtoFile(path, root) {
  const where = relative(root, path);
  const text = stripComments(readFileSync(path, "utf8"));
  const lines = text.split("\n");
  let pkg;
  const messages = new Map();
  let current;
  const fail = (i, why) => {
    throw new Error(`${where}:${i + 1}: ${why}: ${lines[i].trim()}`);
  };
  const qualify = (type) => {
    if (SCALARS.has(type)) return type;
    if (type.startsWith(".")) return type.slice(1);
    return `${pkg}.${type}`;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let m;
    if ((m = /^syntax = "(proto2)";$/.exec(line))) continue;
    if (/^syntax/.test(line)) fail(i, "only proto2 is expected");
    if ((m = /^package ([\w.]+);$/.exec(line))) {
      pkg = m[1];
      continue;
    }
    if (/^(import|option) /.test(line)) continue;
    if ((m = /^message (\w+) \{$/.exec(line))) {
      if (current) fail(i, "nested message");
      current = { name: m[1], fields: new Map() };
      messages.set(`${pkg}.${m[1]}`, current);
      continue;
    }
    if (line === "}") {
      if (!current) fail(i, "unbalanced brace");
      current = undefined;
      continue;
    }
    if (!current) fail(i, "unexpected statement");
    let field;
    if ((m = /^(optional|repeated) ([\w.]+) (\w+) = (\d+);$/.exec(line))) {
      field = { label: m[1], type: qualify(m[2]), name: m[3], number: Number(m[4]) };
    } else if ((m = /^map<(\w+), ([\w.]+)> (\w+) = (\d+);$/.exec(line))) {
      field = { label: "map", key: m[1], value: qualify(m[2]), type: "map", name: m[3], number: Number(m[4]) };
    } else fail(i, "unsupported field");
    if (current.fields.has(field.number)) fail(i, `field number ${field.number} used twice`);
    current.fields.set(field.number, field);
  }
  if (!pkg) throw new Error(`${where}: no package statement`);
  return { package: pkg, messages };
}

/** Blanks out line and block comments (keeping line breaks, so line numbers stay), outside string literals. */
function stripComments(source) {
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '"') {
      const close = source.indexOf('"', i + 1);
      out += source.slice(i, close + 1);
      i = close;
    } else if (c === "/" && source[i + 1] === "/") {
      while (i < source.length && source[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && source[i + 1] === "*") {
      const close = source.indexOf("*/", i + 2);
      out += source.slice(i, close + 2).replace(/[^\n]/g, " ");
      i = close + 1;
    } else out += c;
  }
  return out;
}

export const SCALARS = new Set(["string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "double", "float"]);
