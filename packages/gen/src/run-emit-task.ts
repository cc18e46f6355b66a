/** Runs an {@link EmitTask}: openapi-typescript's transform, our rewrite, the printer. */
import { type EmitTask, fromGroupVersionDir, fromSchemaModule } from "./emit-task.js";
import { emitPathsModule, emitSchemaModule } from "./emit-types.js";

/** The module's text, without the header. */
export function runEmitTask(task: EmitTask): string {
  if (task.kind === "schemas") return emitSchemaModule(task.namespace, new Map(task.schemas), fromSchemaModule);
  return emitPathsModule(task.document, fromGroupVersionDir);
}
