/** The parts of an OpenAPI 3 document from Kubernetes that the generator reads. */

export interface SchemaObject {
  type?: string | string[];
  format?: string;
  description?: string;
  properties?: Record<string, SchemaObject>;
  additionalProperties?: boolean | SchemaObject;
  items?: SchemaObject;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  allOf?: SchemaObject[];
  anyOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  $ref?: string;
  "x-kubernetes-group-version-kind"?: GroupVersionKind[];
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  [extension: string]: unknown;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface MediaTypeObject {
  schema?: SchemaObject;
}

export interface OperationObject {
  operationId?: string;
  description?: string;
  parameters?: ParameterObject[];
  requestBody?: { content?: Record<string, MediaTypeObject>; required?: boolean };
  responses?: Record<string, { description?: string; content?: Record<string, MediaTypeObject> }>;
  "x-kubernetes-action"?: string;
  "x-kubernetes-group-version-kind"?: GroupVersionKind;
  [extension: string]: unknown;
}

export interface ParameterObject {
  name: string;
  in: string;
  required?: boolean;
  schema?: SchemaObject;
  description?: string;
  [extension: string]: unknown;
}

export type HttpMethod = "get" | "put" | "post" | "delete" | "patch" | "head" | "options";
export const HTTP_METHODS: readonly HttpMethod[] = ["get", "put", "post", "delete", "patch", "head", "options"];

export type PathItemObject = { parameters?: ParameterObject[] } & Partial<Record<HttpMethod, OperationObject>>;

export interface OpenApiDocument {
  openapi: string;
  info?: { title?: string; version?: string };
  paths?: Record<string, PathItemObject>;
  components?: { schemas?: Record<string, SchemaObject> };
}

/** One group-version's document, keyed like `/openapi/v3` discovery: `api/v1`, `apis/apps/v1`. */
export interface GroupVersionDocument {
  key: string;
  group: string;
  version: string;
  document: OpenApiDocument;
}

const KEY = /^(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/;

/** Parses a discovery key into group and version; `undefined` for keys that are not a group-version (`apis/apps`, `version`). */
export function parseGroupVersionKey(key: string): { group: string; version: string } | undefined {
  const match = KEY.exec(key);
  if (!match) return undefined;
  return match[1] ? { group: "", version: match[1] } : { group: match[2]!, version: match[3]! };
}

/** `core/v1`, `apps/v1`, `rbac.authorization.k8s.io/v1`: where a group-version's module goes. */
export function groupVersionDir(group: string, version: string): string {
  return `${group === "" ? "core" : group}/${version}`;
}
