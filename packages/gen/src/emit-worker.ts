/** Worker thread entry of {@link EmitPool}: runs the emit tasks it is sent, one at a time. */
import { parentPort } from "node:worker_threads";
import type { EmitTask } from "./emit-task.js";
import { runEmitTask } from "./run-emit-task.js";

parentPort!.on("message", ({ id, task }: { id: number; task: string }) => {
  try {
    parentPort!.postMessage({ id, text: runEmitTask(JSON.parse(task) as EmitTask) });
  } catch (error) {
    const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
    parentPort!.postMessage({ id, error: { name, message, stack } });
  }
});
