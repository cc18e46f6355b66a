/**
 * The second half of client-go's kubeconfig decoding: the JSON-compatible YAML value into the v1 Config, with the
 * rules of its decoder (Go's encoding/json as forked by sigs.k8s.io/json, case-sensitive, non-strict): each field
 * has one type; null leaves the zero value; unknown fields are ignored; `[]byte` fields are padded standard base64;
 * the first error in key order (json.Marshal sorts keys) is the one reported. Then the apiVersion/kind check,
 * defaulting and conversion to named maps (a repeated name is an error), as the versioning codec does.
 */
import { goJson, goKeyOrder } from "./go-json.js";
import type { ClusterEntry, ContextEntry, DecodedKubeconfig, ExecConfig, RawExtension, UserEntry } from "./model.js";
import { YamlMap, type YamlValue, decodeStdBase64 } from "./yaml.js";

/** Why a file does not decode, with where: `field` as `clusters[0].cluster.server`, `entry` the entry's name. */
export class DecodeError extends Error {
  override readonly name = "DecodeError";
  constructor(
    message: string,
    readonly field?: string,
    readonly entry?: { list: "clusters" | "users" | "contexts"; name: string },
  ) {
    super(message);
  }
}

type Spec =
  | { t: "string"; go?: string }
  | { t: "bool" }
  | { t: "bytes" }
  | { t: "strings" }
  | { t: "stringMap" }
  | { t: "stringsMap" }
  | { t: "raw" }
  | { t: "struct"; go: string; fields: Record<string, Spec> }
  | { t: "list"; go: string; of: Spec };

const str: Spec = { t: "string" };
const bool: Spec = { t: "bool" };
const bytes: Spec = { t: "bytes" };
const extensions: Spec = {
  t: "list",
  go: "[]v1.NamedExtension",
  of: { t: "struct", go: "NamedExtension", fields: { name: str, extension: { t: "raw" } } },
};
const named = (go: string, key: string, entry: Spec): Spec => ({ t: "list", go: `[]v1.${go}`, of: { t: "struct", go, fields: { name: str, [key]: entry } } });

/** clientcmd/api/v1 types, with the field names and Go type names its decoder uses in messages. */
const CONFIG: Spec = {
  t: "struct",
  go: "Config",
  fields: {
    kind: str,
    apiVersion: str,
    preferences: { t: "struct", go: "Preferences", fields: { colors: bool, extensions } },
    clusters: named("NamedCluster", "cluster", {
      t: "struct",
      go: "Cluster",
      fields: {
        server: str,
        "tls-server-name": str,
        "insecure-skip-tls-verify": bool,
        "certificate-authority": str,
        "certificate-authority-data": bytes,
        "proxy-url": str,
        "disable-compression": bool,
        extensions,
      },
    }),
    users: named("NamedAuthInfo", "user", {
      t: "struct",
      go: "AuthInfo",
      fields: {
        "client-certificate": str,
        "client-certificate-data": bytes,
        "client-key": str,
        "client-key-data": bytes,
        token: str,
        tokenFile: str,
        as: str,
        "as-uid": str,
        "as-groups": { t: "strings" },
        "as-user-extra": { t: "stringsMap" },
        username: str,
        password: str,
        "auth-provider": { t: "struct", go: "AuthProviderConfig", fields: { name: str, config: { t: "stringMap" } } },
        exec: {
          t: "struct",
          go: "ExecConfig",
          fields: {
            command: str,
            args: { t: "strings" },
            env: { t: "list", go: "[]v1.ExecEnvVar", of: { t: "struct", go: "ExecEnvVar", fields: { name: str, value: str } } },
            apiVersion: str,
            installHint: str,
            provideClusterInfo: bool,
            interactiveMode: { t: "string", go: "v1.ExecInteractiveMode" },
          },
        },
        extensions,
      },
    }),
    contexts: named("NamedContext", "context", {
      t: "struct",
      go: "Context",
      fields: { cluster: str, user: str, namespace: str, extensions },
    }),
    "current-context": str,
    extensions,
  },
};

const goTypeOf = (spec: Spec): string => {
  switch (spec.t) {
    case "string":
      return spec.go ?? "string";
    case "bool":
      return "bool";
    case "bytes":
      return "[]uint8";
    case "strings":
      return "[]string";
    case "stringMap":
      return "map[string]string";
    case "stringsMap":
      return "map[string][]string";
    case "raw":
      return "runtime.RawExtension";
    case "struct":
      return `v1.${spec.go}`;
    case "list":
      return spec.go;
  }
};

const jsonKind = (value: YamlValue): string =>
  value === null ? "null"
  : typeof value === "string" ? "string"
  : typeof value === "boolean" ? "bool"
  : typeof value === "number" || typeof value === "bigint" ? "number"
  : Array.isArray(value) ? "array"
  : "object";

/** Where the decoder is: Go's error context (innermost struct, field names from the root) and our indexed path. */
interface Where {
  struct: string;
  goFields: string[];
  path: string;
}

type Decoded = string | boolean | Buffer | string[] | Record<string, unknown> | Array<unknown> | RawExtension | undefined;

function typeError(value: YamlValue, goType: string, where: Where, valueText?: string): never {
  const what = valueText ? `number ${valueText}` : jsonKind(value);
  throw new DecodeError(`json: cannot unmarshal ${what} into Go struct field ${where.struct}.${where.goFields.join(".")} of type ${goType}`, where.path);
}

const nullRecord = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

function decodeString(value: YamlValue, goType: string, where: Where): string | undefined {
  if (value === null) return undefined;
  if (typeof value !== "string") typeError(value, goType, where);
  return value === "" ? undefined : value;
}

/** `[]byte`: a base64 string, or (as encoding/json allows) an array of byte values. */
function decodeBytes(value: YamlValue, where: Where): Buffer | undefined {
  if (value === null) return undefined;
  if (typeof value === "string") {
    const decoded = decodeStdBase64(value);
    if (!decoded) {
      const compact = value.replace(/[\r\n]/g, "");
      const bad = compact.search(/[^A-Za-z0-9+/=]/);
      throw new DecodeError(`illegal base64 data at input byte ${bad >= 0 ? bad : Math.max(0, compact.length - (compact.length % 4 || 4))}`, where.path);
    }
    return decoded.length ? decoded : undefined;
  }
  if (Array.isArray(value)) {
    const out = Buffer.alloc(value.length);
    value.forEach((item, i) => {
      const at = { ...where, path: `${where.path}[${i}]` };
      if (item === null) return;
      if (typeof item !== "number" && typeof item !== "bigint") typeError(item, "uint8", at);
      const n = Number(item);
      if (!Number.isInteger(n) || n < 0 || n > 255) typeError(item, "uint8", at, String(item));
      out[i] = n;
    });
    return out.length ? out : undefined;
  }
  return typeError(value, "[]uint8", where);
}

function decodeValue(spec: Spec, value: YamlValue, where: Where): Decoded {
  switch (spec.t) {
    case "string":
      return decodeString(value, goTypeOf(spec), where);
    case "bool":
      if (value === null) return undefined;
      if (typeof value !== "boolean") typeError(value, "bool", where);
      return value || undefined;
    case "bytes":
      return decodeBytes(value, where);
    case "raw":
      return value === null ? null : goJson(value);
    case "strings": {
      if (value === null) return undefined;
      if (!Array.isArray(value)) typeError(value, "[]string", where);
      return value.map((item, i) => decodeString(item, "string", { ...where, path: `${where.path}[${i}]` }) ?? "");
    }
    case "stringMap":
    case "stringsMap": {
      if (value === null) return undefined;
      if (!(value instanceof YamlMap)) typeError(value, goTypeOf(spec), where);
      const out = nullRecord<unknown>();
      for (const key of goKeyOrder(value.keys())) {
        const at = { ...where, path: `${where.path}[${JSON.stringify(key)}]` };
        out[key] = spec.t === "stringMap" ? (decodeString(value.get(key)!, "string", at) ?? "") : decodeValue({ t: "strings" }, value.get(key)!, at);
      }
      return out;
    }
    case "list": {
      if (value === null) return undefined;
      if (!Array.isArray(value)) typeError(value, spec.go, where);
      return value.map((item, i) => {
        const at = { ...where, path: `${where.path}[${i}]` };
        if (item !== null && spec.of.t === "struct" && !(item instanceof YamlMap)) typeError(item, goTypeOf(spec.of), at);
        return decodeValue(spec.of, item, at) ?? nullRecord();
      });
    }
    case "struct": {
      if (value === null) return undefined;
      if (!(value instanceof YamlMap)) typeError(value, goTypeOf(spec), where);
      const out = nullRecord<unknown>();
      for (const key of goKeyOrder(value.keys())) {
        const field = spec.fields[key];
        if (!field) continue; // unknown fields are ignored (the decoder is not strict); matching is case-sensitive
        const decoded = decodeValue(field, value.get(key)!, {
          struct: spec.go,
          goFields: [...where.goFields, key],
          path: where.path ? `${where.path}.${key}` : key,
        });
        if (decoded !== undefined) out[key] = decoded;
      }
      return out;
    }
  }
}

function toExtensions(list: unknown, where: string): Map<string, RawExtension> | undefined {
  const items = (list ?? []) as Array<{ name?: string; extension?: RawExtension }>;
  if (items.length === 0) return undefined;
  const map = new Map<string, RawExtension>();
  for (const item of items) {
    const name = item.name ?? "";
    // client-go's conversion only notices a repeated name when the first one's value is not null
    if (map.get(name) != null) throw new DecodeError(`duplicate name "${name}" in list`, `${where}.extensions`);
    map.set(name, item.extension ?? null);
  }
  return map;
}

const ENTRY_KEYS = { clusters: "cluster", users: "user", contexts: "context" } as const;

function toEntries<T>(raw: unknown, list: keyof typeof ENTRY_KEYS): Map<string, T> {
  const map = new Map<string, T>();
  ((raw ?? []) as Array<Record<string, unknown>>).forEach((item, index) => {
    const name = (item.name as string | undefined) ?? "";
    if (map.has(name)) throw new DecodeError(`duplicate name "${name}" in list`, `${list}[${index}].name`, { list, name });
    const entry = { ...((item[ENTRY_KEYS[list]] ?? {}) as object) } as T & { extensions?: unknown };
    const extensionsOf = toExtensions(entry.extensions, `${list}[${index}].${ENTRY_KEYS[list]}`);
    if (extensionsOf) entry.extensions = extensionsOf;
    else delete entry.extensions;
    map.set(name, entry as T);
  });
  return map;
}

/** The entry a `clusters[3]...` path is in, by the name its element carries (when that name is a string). */
function entryAt(doc: YamlMap, path: string | undefined): DecodeError["entry"] {
  const m = /^(clusters|users|contexts)\[(\d+)\]/.exec(path ?? "");
  if (!m) return undefined;
  const item = (doc.get(m[1]!) as YamlValue[] | undefined)?.[Number(m[2])];
  const name = item instanceof YamlMap ? item.get("name") : undefined;
  return typeof name === "string" ? { list: m[1] as "clusters" | "users" | "contexts", name } : undefined;
}

/** The apiVersion/kind check client-go's decoder makes before anything else (only v1 Config is registered). */
function checkKind(doc: YamlMap): void {
  for (const field of ["apiVersion", "kind"]) {
    const v = doc.get(field);
    if (v !== undefined && v !== null && typeof v !== "string") {
      throw new DecodeError(`couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(v)} into Go struct field .${field} of type string`, field);
    }
  }
  const apiVersion = (doc.get("apiVersion") as string | null | undefined) ?? "";
  const kind = (doc.get("kind") as string | null | undefined) || "Config";
  const parts = apiVersion.split("/");
  if (parts.length > 2) throw new DecodeError(`unexpected GroupVersion string: ${apiVersion}`, "apiVersion");
  const [group, version] = parts.length === 2 ? [parts[0]!, parts[1]!] : ["", parts[0]!];
  const effective = version === "" && group === "" ? "v1" : version;
  if (group !== "" || effective !== "v1" || kind !== "Config") {
    const gv = group ? `${group}/${effective}` : effective;
    throw new DecodeError(`no kind "${kind}" is registered for version "${gv}"`, group !== "" || effective !== "v1" ? "apiVersion" : "kind");
  }
}

/**
 * Decodes a kubeconfig's YAML value as `clientcmd.Load` does. Throws {@link DecodeError}; messages never contain
 * a value from the file, only field names, types and entry names.
 */
export function decodeKubeconfig(value: YamlValue): DecodedKubeconfig {
  const empty: DecodedKubeconfig = {
    currentContext: "",
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
    colors: false,
    extensions: new Map(),
    preferencesExtensions: new Map(),
  };
  if (value === null) return empty;
  if (!(value instanceof YamlMap)) {
    throw new DecodeError(`couldn't get version/kind; json parse error: the top level is a${jsonKind(value) === "array" ? "n" : ""} ${jsonKind(value)}, not a mapping`);
  }
  checkKind(value);
  let raw: Record<string, unknown>;
  try {
    raw = decodeValue(CONFIG, value, { struct: "Config", goFields: [], path: "" }) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof DecodeError && !error.entry) throw new DecodeError(error.message, error.field, entryAt(value, error.field));
    throw error;
  }
  const users = toEntries<UserEntry>(raw.users, "users");
  for (const user of users.values()) {
    const exec = user.exec as ExecConfig | undefined;
    // client-go's defaulting: v1beta1 (and v1alpha1) plugins default to IfAvailable; v1 must say.
    if (exec && !exec.interactiveMode && (exec.apiVersion === "client.authentication.k8s.io/v1beta1" || exec.apiVersion === "client.authentication.k8s.io/v1alpha1")) {
      exec.interactiveMode = "IfAvailable";
    }
  }
  const preferences = (raw.preferences ?? {}) as { colors?: boolean; extensions?: unknown };
  return {
    currentContext: (raw["current-context"] as string | undefined) ?? "",
    clusters: toEntries<ClusterEntry>(raw.clusters, "clusters"),
    users,
    contexts: toEntries<ContextEntry>(raw.contexts, "contexts"),
    colors: preferences.colors === true,
    extensions: toExtensions(raw.extensions, "") ?? new Map(),
    preferencesExtensions: toExtensions(preferences.extensions, "preferences") ?? new Map(),
  };
}
