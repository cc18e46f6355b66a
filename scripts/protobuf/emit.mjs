// Emits the TypeScript decoders: one module per Go package (proto package), one function per message, each a
// `switch` over the field tags of its message (wire numbers from the struct tags, checked against generated.proto)
// followed by Go's zero values for the fields encoding/json writes even when unset. Names, omitempty, inlining and
// pointer-ness come from the Go model (model/main.go), so the objects are exactly what the apiserver's JSON has.

/** The reader method of each apimachinery type that marshals itself to JSON, and its zero value's JSON. */
const JSON_TYPES = {
  "k8s.io/apimachinery/pkg/apis/meta/v1.Time": { read: "r.time()", zero: "null", message: { 1: ["seconds", "int64"], 2: ["nanos", "int32"] }, proto: "k8s.io.apimachinery.pkg.apis.meta.v1.Time" },
  "k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime": { read: "r.microTime()", zero: "null", message: { 1: ["seconds", "int64"], 2: ["nanos", "int32"] }, proto: "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime" },
  "k8s.io/apimachinery/pkg/api/resource.Quantity": { read: "r.quantity()", zero: '"0"', message: { 1: ["string", "string"] }, proto: "k8s.io.apimachinery.pkg.api.resource.Quantity" },
  "k8s.io/apimachinery/pkg/util/intstr.IntOrString": { read: "r.intOrString()", zero: "0", message: { 1: ["type", "int64"], 2: ["intVal", "int32"], 3: ["strVal", "string"] }, proto: "k8s.io.apimachinery.pkg.util.intstr.IntOrString" },
  "k8s.io/apimachinery/pkg/runtime.RawExtension": { read: 'r.rawJson("RawExtension")', zero: "null", message: { 1: ["raw", "bytes"] }, proto: "k8s.io.apimachinery.pkg.runtime.RawExtension" },
  "k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1": { read: 'r.rawJson("FieldsV1")', zero: "null", message: { 1: ["Raw", "bytes"] }, proto: "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1" },
};

/**
 * Objects embedded in others whose Go type embeds TypeMeta, which protobuf does not carry: what the apiserver's JSON
 * has there. Every such field must be listed (the generator fails otherwise); `null`: JSON has no apiVersion/kind
 * there either (TypeMeta's fields are omitempty and the server leaves them empty).
 */
const EMBEDDED_TYPE_META = {
  // apps/v1 conversion sets them on every volumeClaimTemplate (Convert_apps_StatefulSetSpec_To_v1_StatefulSetSpec,
  // "to behave the same as reflective conversion < 1.17", kubernetes#87583).
  "k8s.io/api/apps/v1.StatefulSetSpec.VolumeClaimTemplates": { kind: "PersistentVolumeClaim", apiVersion: "v1" },
  // Only ever sent (POST .../eviction): no read returns one.
  "k8s.io/api/policy/v1.Eviction.DeleteOptions": null,
};

const BASIC = {
  string: { read: "r.string()", zero: '""', wire: 2, proto: ["string"] },
  bytes: { read: "r.base64()", zero: "null", empty: '""', wire: 2, proto: ["bytes"] },
  bool: { read: "r.bool()", zero: "false", wire: 0, proto: ["bool"] },
  int32: { read: "r.int32()", zero: "0", wire: 0, proto: ["int32"] },
  int64: { read: "r.int64()", zero: "0", wire: 0, proto: ["int64"] },
  uint32: { read: "r.uint32()", zero: "0", wire: 0, proto: ["uint32"] },
  uint64: { read: "r.int64()", zero: "0", wire: 0, proto: ["uint64"] },
};

const goPackage = (typeName) => typeName.slice(0, typeName.lastIndexOf("."));
const goName = (typeName) => typeName.slice(typeName.lastIndexOf(".") + 1);
/** `k8s.io/api/core/v1` → `io.k8s.api.core.v1`, as the schema modules beside it are named. */
export const moduleName = (pkg) => pkg.replace(/^k8s\.io\//, "io.k8s/").replaceAll("/", ".");
const decoderName = (typeName) => `decode${goName(typeName)}`;

function parseTag(tag, where) {
  const m = /^(bytes|varint|fixed64|fixed32),(\d+)(?:,(opt|rep|req))?(?:,name=(\w+))?(?:,|$)/.exec(tag ?? "");
  if (!m) throw new Error(`${where}: unreadable protobuf tag ${JSON.stringify(tag)}`);
  return { wire: { bytes: 2, varint: 0, fixed64: 1, fixed32: 5 }[m[1]], number: Number(m[2]), repeated: m[3] === "rep", name: m[4] };
}

/**
 * Generates every module. `model` is model/main.go's output, `protos` the parsed generated.proto messages by full
 * name. Returns `Map<fileName, source>`.
 */
export function emitDecoders({ model, protos, header }) {
  const { types, kinds } = model;
  const modules = new Map(); // go package -> { functions: string[], imports: Set<pkg>, kinds: [] }
  const moduleOf = (pkg) => {
    if (!modules.has(pkg)) modules.set(pkg, { functions: [], imports: new Set(), kinds: [] });
    return modules.get(pkg);
  };
  const typeOf = (name, where) => {
    const t = types[name];
    if (!t) throw new Error(`${where}: type ${name} is not in the model`);
    return t;
  };
  const messageOf = (protoName, where) => {
    const message = protos.get(protoName);
    if (!message) throw new Error(`${where}: no message ${protoName} in generated.proto`);
    return message;
  };

  // A call of another message's decoder, importing its module when it lives elsewhere.
  const call = (fromPkg, typeName) => {
    const pkg = goPackage(typeName);
    if (pkg === fromPkg) return decoderName(typeName);
    moduleOf(fromPkg).imports.add(pkg);
    return `${alias(pkg)}.${decoderName(typeName)}`;
  };

  // One value of a field's (element) type, read at the reader's position.
  const read = (ref, fromPkg, where, into = "{}") => {
    if (ref.ptr) return read(ref.ptr, fromPkg, where, into);
    if (ref.basic) return BASIC[ref.basic].read;
    const t = typeOf(ref.named, where);
    if (t.kind === "json") return jsonType(ref.named, where).read;
    if (t.kind === "wrapper") return `${call(fromPkg, ref.named)}(r, r.len())`;
    return `${call(fromPkg, ref.named)}(r, r.len(), ${into})`;
  };
  // The object a field's (element) message is decoded into: `{}`, or the apiVersion/kind JSON has there.
  const intoFor = (typeName, f, where) => {
    let elem = f.type;
    while (elem.ptr || elem.slice) elem = elem.ptr ?? elem.slice;
    if (!elem.named || !typeOf(elem.named, where).typeMeta) return "{}";
    // A list's items: the apiserver writes them without apiVersion and kind.
    if (goName(typeName).endsWith("List") && f.json === "items") return "{}";
    const key = `${typeName}.${f.go}`;
    if (!(key in EMBEDDED_TYPE_META)) throw new Error(`${where}: embeds ${elem.named}, whose TypeMeta protobuf does not carry: say in EMBEDDED_TYPE_META what JSON has there`);
    const meta = EMBEDDED_TYPE_META[key];
    return meta ? `{ kind: ${JSON.stringify(meta.kind)}, apiVersion: ${JSON.stringify(meta.apiVersion)} }` : "{}";
  };
  // What encoding/json writes for the Go zero value of a type.
  const zero = (ref, fromPkg, where) => {
    if (ref.ptr || ref.slice || ref.map) return "null";
    if (ref.basic) return BASIC[ref.basic].zero;
    const t = typeOf(ref.named, where);
    if (t.kind === "json") return jsonType(ref.named, where).zero;
    if (t.kind === "wrapper") return "null";
    return `${call(fromPkg, ref.named)}(r, r.pos, {})`;
  };
  // A map entry without its value holds Go's zero value, except that gogo starts a []byte value as []byte{} ("").
  const mapValueZero = (ref, fromPkg, where) => (ref.basic === "bytes" ? '""' : zero(ref, fromPkg, where));
  const jsonType = (name, where) => {
    const j = JSON_TYPES[name];
    if (!j) throw new Error(`${where}: ${name} marshals itself to JSON and has no decoder in emit.mjs (JSON_TYPES)`);
    return j;
  };

  // The wire type a proto field type is sent with, and whether the Go type matches it.
  const checkType = (protoType, ref, where) => {
    if (ref.ptr) return checkType(protoType, ref.ptr, where);
    if (ref.basic) {
      if (!BASIC[ref.basic].proto.includes(protoType)) throw new Error(`${where}: Go ${ref.basic} but proto ${protoType}`);
      return;
    }
    const t = typeOf(ref.named, where);
    if (t.proto !== protoType) throw new Error(`${where}: Go ${ref.named} (${t.proto}) but proto ${protoType}`);
  };

  for (const j of Object.values(JSON_TYPES)) {
    const message = protos.get(j.proto);
    if (!message) throw new Error(`emit.mjs: no message ${j.proto} in generated.proto`);
    for (const [number, [name, type]] of Object.entries(j.message)) {
      const f = message.fields.get(Number(number));
      if (!f || f.name !== name || f.type !== type) throw new Error(`${j.proto}: field ${number} is not "${type} ${name}" as the reader expects`);
    }
    if (message.fields.size !== Object.keys(j.message).length) throw new Error(`${j.proto}: has fields the reader does not read`);
  }

  for (const [typeName, t] of Object.entries(types).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const pkg = goPackage(typeName);
    if (t.kind === "json") continue;
    const message = messageOf(t.proto, typeName);
    if (t.kind === "wrapper") moduleOf(pkg).functions.push(emitWrapper(typeName, t, message));
    else moduleOf(pkg).functions.push(emitStruct(typeName, t, message, pkg));
  }

  function emitWrapper(typeName, t, message) {
    const items = message.fields.get(1);
    if (message.fields.size !== 1 || !items || items.label !== "repeated" || items.type !== "string" || !t.elem?.slice || t.elem.slice.basic !== "string") {
      throw new Error(`${typeName}: only wrappers of []string ({ repeated string items = 1 }) are supported`);
    }
    return [
      `/** \`${t.proto}\`: a \`[]string\` in its own message; JSON writes the list (null when empty, as Go's nil slice). */`,
      `export function ${decoderName(typeName)}(r: Reader, end: number): string[] | null {`,
      `  let items: string[] | null = null;`,
      `  while (r.pos < end) {`,
      `    const tag = r.uint32();`,
      `    if (tag === 10) (items ??= []).push(r.string());`,
      `    else r.skip(tag);`,
      `  }`,
      `  r.done(end);`,
      `  return items;`,
      `}`,
    ].join("\n");
  }

  function emitStruct(typeName, t, message, pkg) {
    const cases = [];
    const locals = [];
    const after = [];
    const covered = new Set();
    const isList = goName(typeName).endsWith("List");
    for (const f of t.fields ?? []) {
      const where = `${typeName}.${f.go}`;
      if (!f.protobuf) throw new Error(`${where}: encoding/json writes it (${f.json}) but it has no protobuf tag`);
      if (f.omitzero && !(f.type.named && JSON_TYPES[f.type.named]?.zero === "null")) {
        // omitzero leaves out what IsZero() (or the zero value) says is zero: supported where that is a null.
        throw new Error(`${where}: omitzero is supported on Time-like fields only`);
      }
      const tag = parseTag(f.protobuf, where);
      const pf = message.fields.get(tag.number);
      if (!pf) throw new Error(`${where}: field ${tag.number} is not in ${t.proto}`);
      if (tag.name !== undefined && pf.name !== tag.name) throw new Error(`${where}: field ${tag.number} is ${pf.name} in generated.proto, ${tag.name} in the Go tag`);
      covered.add(tag.number);
      const key = JSON.stringify(f.json);
      const prop = /^[A-Za-z_$][\w$]*$/.test(f.json) ? `o.${f.json}` : `o[${key}]`;
      const n = tag.number;
      const lengthTag = (n << 3) | 2;
      const ref = f.type;

      if (f.inline) {
        // An embedded struct (`json:",inline"`): its own message on the wire, its fields flattened in JSON.
        if (!ref.named || typeOf(ref.named, where).kind !== "struct" || pf.label !== "optional") throw new Error(`${where}: only embedded structs can be inline`);
        checkType(pf.type, ref, where);
        locals.push(`let seen${n} = false;`);
        cases.push(`case ${lengthTag}: ${call(pkg, ref.named)}(r, r.len(), o); seen${n} = true; break;`);
        after.push(`if (!seen${n}) ${call(pkg, ref.named)}(r, r.pos, o);`);
        continue;
      }
      if (ref.map) {
        const [k, v] = ref.map;
        if (pf.label !== "map" || k.basic !== "string" || pf.key !== "string") throw new Error(`${where}: maps need string keys and a proto map`);
        checkType(pf.value, v, where);
        const valueWire = v.basic ? BASIC[v.basic].wire : 2;
        locals.push(`let map${n}: JsonObject | undefined;`);
        cases.push(
          [
            `case ${lengthTag}: {`,
            `  const e = r.len();`,
            `  let k = "";`,
            `  let v: unknown;`,
            `  while (r.pos < e) {`,
            `    const t = r.uint32();`,
            `    if (t === 10) k = r.string();`,
            `    else if (t === ${(2 << 3) | valueWire}) v = ${read(v, pkg, where)};`,
            `    else r.skip(t);`,
            `  }`,
            `  r.done(e);`,
            `  r.put((map${n} ??= {}), k, v === undefined ? ${mapValueZero(v, pkg, where)} : v);`,
            `  break;`,
            `}`,
          ].join("\n"),
        );
        after.push(`if (map${n} !== undefined) ${prop} = map${n};${f.omitempty ? "" : ` else ${prop} = null;`}`);
        continue;
      }
      if (ref.slice) {
        if (pf.label !== "repeated") throw new Error(`${where}: a Go slice but not a repeated proto field`);
        const elem = ref.slice;
        checkType(pf.type, elem, where);
        locals.push(`let list${n}: unknown[] | undefined;`);
        const wire = elem.basic ? BASIC[elem.basic].wire : 2;
        cases.push(`case ${(n << 3) | wire}: (list${n} ??= []).push(${read(elem, pkg, where, intoFor(typeName, f, where))}); break;`);
        if (wire === 0) {
          // Repeated scalars may come packed too; Go's decoder takes both.
          cases.push(`case ${lengthTag}: { const e = r.len(); list${n} ??= []; while (r.pos < e) list${n}.push(${read(elem, pkg, where)}); r.done(e); break; }`);
        }
        // A list's items are `[]` when empty: the apiserver makes the slice, it never sends null there.
        const unset = f.omitempty ? "" : ` else ${prop} = ${isList && f.json === "items" ? "[]" : "null"};`;
        after.push(`if (list${n} !== undefined) ${prop} = list${n};${unset}`);
        continue;
      }
      if (pf.label !== "optional") throw new Error(`${where}: a single Go value but a ${pf.label} proto field`);
      checkType(pf.type, ref, where);
      if (ref.ptr) {
        // Set when sent (a non-nil pointer, even to a zero value); nil: omitted, or null without omitempty.
        const wire = ref.ptr.basic ? BASIC[ref.ptr.basic].wire : 2;
        cases.push(`case ${(n << 3) | wire}: ${prop} = ${read(ref.ptr, pkg, where, intoFor(typeName, f, where))}; break;`);
        if (!f.omitempty) after.push(`if (${prop} === undefined) ${prop} = null;`);
        continue;
      }
      if (ref.basic) {
        const b = BASIC[ref.basic];
        if (f.omitempty) {
          // Sent even when empty (gogo writes non-pointer scalars always); omitempty leaves the empty value out.
          const empty = b.empty ?? b.zero;
          cases.push(`case ${(n << 3) | b.wire}: { const v = ${b.read}; if (v !== ${empty}) ${prop} = v; break; }`);
        } else {
          cases.push(`case ${(n << 3) | b.wire}: ${prop} = ${b.read}; break;`);
          after.push(`if (${prop} === undefined) ${prop} = ${b.zero};`);
        }
        continue;
      }
      const named = typeOf(ref.named, where);
      if (named.kind === "wrapper") {
        if (f.omitempty) cases.push(`case ${lengthTag}: { const v = ${call(pkg, ref.named)}(r, r.len()); if (v !== null) ${prop} = v; break; }`);
        else {
          cases.push(`case ${lengthTag}: ${prop} = ${call(pkg, ref.named)}(r, r.len()); break;`);
          after.push(`if (${prop} === undefined) ${prop} = null;`);
        }
        continue;
      }
      if (f.omitzero) {
        // Time with omitzero (metav1.ObjectMeta.creationTimestamp): the zero time is left out instead of null.
        cases.push(`case ${lengthTag}: { const v = ${read(ref, pkg, where)}; if (v !== null) ${prop} = v; break; }`);
        continue;
      }
      // A struct value (a message, or a type with its own MarshalJSON): omitempty never omits a struct.
      cases.push(`case ${lengthTag}: ${prop} = ${read(ref, pkg, where, intoFor(typeName, f, where))}; break;`);
      after.push(`if (${prop} === undefined) ${prop} = ${zero(ref, pkg, where)};`);
    }
    for (const number of message.fields.keys()) {
      if (!covered.has(number)) throw new Error(`${typeName}: ${t.proto} field ${number} (${message.fields.get(number).name}) has no Go field`);
    }
    const lines = [`/** \`${t.proto}\` */`, `export function ${decoderName(typeName)}(r: Reader, end: number, o: JsonObject): JsonObject {`];
    for (const l of locals) lines.push(`  ${l}`);
    lines.push(`  while (r.pos < end) {`, `    const tag = r.uint32();`, `    switch (tag) {`);
    for (const c of cases) lines.push(...c.split("\n").map((l) => `      ${l}`));
    lines.push(`      default:`, `        r.skip(tag);`, `    }`, `  }`, `  r.done(end);`);
    for (const a of after) lines.push(`  ${a}`);
    lines.push(`  return o;`, `}`);
    return lines.join("\n");
  }

  for (const kind of kinds) {
    const pkg = goPackage(kind.type);
    const t = typeOf(kind.type, `kind ${kind.apiVersion}/${kind.kind}`);
    if (t.kind !== "struct") throw new Error(`kind ${kind.apiVersion}/${kind.kind}: not a struct`);
    if (kind.kind === "Status") continue; // added to every table below
    moduleOf(pkg).kinds.push(kind);
  }
  const statusType = kinds.find((k) => k.kind === "Status").type;

  const files = new Map();
  const index = { kinds: [], loaders: [] };
  for (const [pkg, mod] of [...modules].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const table = mod.kinds.map((k) => `  ${JSON.stringify(`${k.apiVersion}/${k.kind}`)}: ${decoderName(k.type)},`);
    if (mod.kinds.length > 0) {
      table.push(`  "v1/Status": ${call(pkg, statusType)},`);
      const apiVersions = [...new Set(mod.kinds.map((k) => k.apiVersion))];
      for (const k of mod.kinds) index.kinds.push(`${k.apiVersion}/${k.kind}`);
      for (const apiVersion of apiVersions) index.loaders.push(`  ${JSON.stringify(apiVersion)}: async () => (await import("./${moduleName(pkg)}.js")).kinds,`);
    }
    const out = [header, "", `import type { JsonObject, MessageDecoder, Reader } from "../reader.js";`];
    for (const imported of [...mod.imports].sort()) out.push(`import * as ${alias(imported)} from "./${moduleName(imported)}.js";`);
    out.push("", ...mod.functions.flatMap((f) => [f, ""]));
    if (mod.kinds.length > 0) {
      out.push(`/** The decoder of each kind of this group-version (and of the Status the server may send instead), by \`apiVersion/kind\`. */`);
      out.push(`export const kinds: Readonly<Record<string, MessageDecoder>> = {`, ...table, `};`, "");
    }
    files.set(`${moduleName(pkg)}.ts`, out.join("\n"));
  }
  const indexSource = [
    header,
    "",
    `import type { MessageDecoder } from "../reader.js";`,
    "",
    `/** \`apiVersion/kind\` of every kind whose protobuf the decoders read (objects, their lists, options). */`,
    `export const protobufKinds: ReadonlySet<string> = new Set([`,
    ...index.kinds.sort().map((k) => `  ${JSON.stringify(k)},`),
    `]);`,
    "",
    `/** Loads the decoders of one group-version, by apiVersion (each module is imported on first use). */`,
    `export const loadDecoders: Readonly<Record<string, () => Promise<Readonly<Record<string, MessageDecoder>>>>> = {`,
    ...index.loaders.sort(),
    `};`,
    "",
  ].join("\n");
  files.set("index.ts", indexSource);
  return files;
}

/** The local name of an imported module: `k8s.io/apimachinery/pkg/apis/meta/v1` → `meta_v1`, `k8s.io/api/core/v1` → `core_v1`. */
function alias(pkg) {
  const parts = pkg.split("/");
  return parts.slice(-2).join("_").replace(/[^\w]/g, "_");
}
