/**
 * The expensive part of a generation as self-contained tasks that a worker thread can run: turning one schema
 * namespace, or one group-version's paths, into a TypeScript module (see run-emit-task.ts). This module is what the
 * planning side needs to know of them; it does not load TypeScript.
 */
import type { OpenApiDocument, SchemaObject } from "./openapi.js";

export const SCHEMAS_DIR = "_schemas";

/** One module to emit. */
export type EmitTask =
  /** The schemas of namespace `namespace`, as `[name, schema]` pairs in order. */
  | { kind: "schemas"; namespace: string; schemas: Array<[string, SchemaObject]> }
  /** A group-version's pruned paths document. */
  | { kind: "paths"; document: OpenApiDocument };

/** Where a schema module imports another namespace from, and where a group-version's modules do. */
export const fromSchemaModule = (ns: string) => `./${ns}.js`;
export const fromGroupVersionDir = (ns: string) => `../../${SCHEMAS_DIR}/${ns}.js`;
