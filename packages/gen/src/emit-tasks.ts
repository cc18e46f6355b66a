/**
 * The expensive part of a generation, as self-contained tasks that a worker thread can run: turning one schema
 * namespace, or one group-version's paths, into a TypeScript module (openapi-typescript's transform, our rewrite,
 * the printer). A task travels as JSON text, which is cheap to post and says how large the task is.
 */
import { emitPathsModule, emitSchemaModule } from "./emit-types.js";
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

/** Runs one task: the module's text, without the header. */
export function runEmitTask(task: EmitTask): string {
  if (task.kind === "schemas") return emitSchemaModule(task.namespace, new Map(task.schemas), fromSchemaModule);
  return emitPathsModule(task.document, fromGroupVersionDir);
}
