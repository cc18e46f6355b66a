import type { ResourceDescriptor } from "./types.js";

/** Query parameters; `undefined` values are left out, arrays repeat the key. */
export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

/** `/api/v1` or `/apis/GROUP/VERSION`. */
export function groupVersionPath(group: string, version: string): string {
  return group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** Builds `/apis/G/V[/namespaces/NS]/PLURAL[/NAME[/SUB]][?query]`. */
export function resourcePath(
  descriptor: Pick<ResourceDescriptor, "group" | "version" | "plural">,
  parts: { namespace?: string | undefined; name?: string | undefined; subresource?: string | undefined; query?: Query | undefined },
): string {
  let path = groupVersionPath(descriptor.group, descriptor.version);
  if (parts.namespace !== undefined) path += `/namespaces/${encodeURIComponent(parts.namespace)}`;
  path += `/${descriptor.plural}`;
  if (parts.name !== undefined) {
    if (parts.name === "") throw new TypeError(`a ${descriptor.plural} name must not be empty`);
    path += `/${encodeURIComponent(parts.name)}`;
  }
  if (parts.subresource !== undefined) path += `/${parts.subresource}`;
  return path + queryString(parts.query);
}

/** Encodes a query string, `?a=1&b=2`, or `""` when empty. */
export function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
