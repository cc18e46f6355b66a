/** Worker thread entry of {@link EmitPool}: runs the emit tasks it is sent, one at a time. */
import { parentPort } from "node:worker_threads";
import { type EmitTask, runEmitTask } from "./emit-tasks.js";

parentPort!.on("message", ({ id, task }: { id: number; task: string }) => {
  try {
    parentPort!.postMessage({ id, text: runEmitTask(JSON.parse(task) as EmitTask) });
  } catch (error) {
    const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
    parentPort!.postMessage({ id, error: { name, message, stack } });
  }
});
