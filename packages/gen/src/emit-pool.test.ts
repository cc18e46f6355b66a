import { describe, expect, it } from "vitest";
import { EmitPool, defaultJobs } from "./emit-pool.js";

describe("emit pool size", () => {
  it("uses one thread below 4 cores and every core from 4 up (measured: a worker thread loses on 2 cores)", () => {
    expect([1, 2, 3, 4, 8].map((cores) => defaultJobs(cores))).toEqual([1, 1, 1, 4, 8]);
  });

  it("starts exactly the threads asked for, the calling one included", async () => {
    const alone = EmitPool.start({ jobs: 1 });
    expect(alone.size).toBe(1);
    await alone.close();
  });
});
