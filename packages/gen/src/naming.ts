/**
 * How Kubernetes names (groups, versions, plurals, kinds) become TypeScript identifiers. The apiserver accepts names
 * that are not identifiers (`dash-things`, `default`, versions such as `2024-01`), so every generated name goes
 * through here: sanitized, reserved words escaped, and collisions reported instead of emitting code that does not
 * parse or silently shadows another name.
 */

/** Words that cannot name a `const` or a type: ECMAScript reserved words plus TypeScript's contextual ones. */
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await arguments eval " +
    "any boolean never number object string symbol undefined unknown bigint"
  ).split(" "),
);

/** Global types the generated modules use by name; a schema with one of these names would shadow it. */
const SHADOWED_GLOBALS = new Set(["Array", "Record", "Partial", "Readonly", "Omit", "Pick", "Promise"]);

/** A name already taken in the module being generated (for example `groupVersion`). */
export const escapeReserved = (name: string): string => (RESERVED.has(name) || SHADOWED_GLOBALS.has(name) ? `${name}_` : name);

/** Splits on anything that is not a letter or digit: `foo-bar.example.com` → `foo`, `bar`, `example`, `com`. */
function words(name: string): string[] {
  return name.split(/[^A-Za-z0-9]+/).filter(Boolean);
}

const upperFirst = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** Joins words as camelCase and makes the result an identifier (a leading digit gets an underscore). */
function camel(parts: string[]): string {
  const joined = parts.map((word, i) => (i === 0 ? word : upperFirst(word))).join("");
  if (joined === "") return "_";
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/**
 * Lower-cases the leading capital of a PascalCase name, treating a leading acronym as one word: `HTTPRoute` →
 * `httpRoute`, `APIService` → `apiService`, `CSIDriver` → `csiDriver`, `Pod` → `pod`, `CSR` → `csr`.
 */
export function lowerCamelFromPascal(name: string): string {
  const run = /^[A-Z0-9]+/.exec(name)?.[0] ?? "";
  if (run.length <= 1) return name.charAt(0).toLowerCase() + name.slice(1);
  if (run.length === name.length) return name.toLowerCase();
  // `HTTPRoute`: the run is `HTTPR`; its last capital starts the next word.
  const acronym = /[a-z]/.test(name.charAt(run.length)) ? run.slice(0, -1) : run;
  return acronym.toLowerCase() + name.slice(acronym.length);
}

/**
 * The accessor of a resource in its group-version (`k8s.apps.v1.deployments`): the plural, with the word boundaries
 * of the kind where the plural is built from it (`httproutes` of `HTTPRoute` → `httpRoutes`, `networkpolicies` of
 * `NetworkPolicy` → `networkPolicies`), else the plural itself made an identifier (`dash-things` → `dashThings`).
 */
export function resourceAccessor(plural: string, kind: string): string {
  const lowerKind = kind.toLowerCase();
  let name: string;
  if (plural.startsWith(lowerKind)) name = lowerCamelFromPascal(kind) + plural.slice(kind.length);
  else if (kind.endsWith("y") && plural === `${lowerKind.slice(0, -1)}ies`) name = `${lowerCamelFromPascal(kind.slice(0, -1))}ies`;
  else name = camel(words(plural));
  return escapeReserved(/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : camel(words(name)));
}

/**
 * The property of an API group (`k8s.rbacAuthorization`): `core` for the legacy group, else the group without the
 * `.k8s.io` suffix of Kubernetes' own groups, camelCased (`rbac.authorization.k8s.io` → `rbacAuthorization`,
 * `example.com` → `exampleCom`, `cert-manager.io` → `certManagerIo`).
 */
export function groupProperty(group: string): string {
  if (group === "") return "core";
  return escapeReserved(camel(words(group.replace(/\.k8s\.io$/, ""))));
}

/** The property of a version (`v1`, `v1beta1` unchanged; `2024-01` → `_2024_01`, kept rather than dropped). */
export function versionProperty(version: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(version)) return escapeReserved(version);
  return `_${version.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+/, "")}`;
}

/** A PascalCase prefix for per-group-version type names: `rbac.authorization.k8s.io` `v1` → `RbacAuthorizationV1`. */
export function groupVersionTypePrefix(group: string, version: string): string {
  return upperFirst(groupProperty(group).replace(/_$/, "")) + upperFirst(versionProperty(version).replace(/^_/, ""));
}

/** The exported type name of a schema (`io.k8s.api.core.v1.Pod` → `Pod`), made an identifier. */
export function typeName(shortName: string): string {
  const name = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(shortName) ? shortName : upperFirst(camel(words(shortName)));
  return escapeReserved(name);
}

/**
 * Records names as they are handed out and refuses a second owner of the same name, naming both: two different
 * sources must never end up behind one identifier.
 */
export class NameRegistry {
  readonly #owners = new Map<string, string>();
  constructor(readonly what: string) {}

  /** Claims `name` for `owner`; the same owner may claim it again. */
  claim(name: string, owner: string): string {
    const existing = this.#owners.get(name);
    if (existing !== undefined && existing !== owner) {
      throw new Error(`${this.what}: ${existing} and ${owner} would both be named "${name}"; generate them separately (--groups / --exclude)`);
    }
    this.#owners.set(name, owner);
    return name;
  }
}
