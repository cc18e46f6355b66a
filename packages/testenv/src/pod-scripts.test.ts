import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PodScripts } from "./pod-scripts.js";

const dirs: string[] = [];
const scripts = () => {
  const dir = mkdtempSync(join(tmpdir(), "pod-scripts-"));
  dirs.push(dir);
  return new PodScripts(dir);
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const ref = { namespace: "ns", pod: "p", container: "main" };

describe("PodScripts", () => {
  it("writes log lines in the CRI format the kubelet reads, one entry per line", () => {
    const s = scripts();
    const time = new Date("2026-03-04T05:06:07.089Z");
    s.appendLog(ref, ["a", "b\nc"], { time });
    s.appendLog(ref, "oops\n", { time, stream: "stderr" });
    expect(readFileSync(join(s.containerDir(ref), "current.log"), "utf8")).toBe(
      "2026-03-04T05:06:07.089000000Z stdout F a\n" +
        "2026-03-04T05:06:07.089000000Z stdout F b\n" +
        "2026-03-04T05:06:07.089000000Z stdout F c\n" +
        "2026-03-04T05:06:07.089000000Z stderr F oops\n",
    );
    s.appendLog(ref, "earlier", { time, previous: true });
    expect(readFileSync(join(s.containerDir(ref), "previous.log"), "utf8")).toBe("2026-03-04T05:06:07.089000000Z stdout F earlier\n");
  });

  it("keeps behaviour as JSON at the cluster and pod level", () => {
    const s = scripts();
    s.setClusterBehaviour({ portForward: { "*": "echo" } });
    s.setPodBehaviour({ namespace: "ns", pod: "p" }, { programs: { hi: "echo hi" }, containers: { main: { env: { A: "1" } } } });
    expect(JSON.parse(readFileSync(join(s.dir, "cluster.json"), "utf8"))).toEqual({ portForward: { "*": "echo" } });
    expect(JSON.parse(readFileSync(join(s.dir, "pods", "ns", "p", "pod.json"), "utf8"))).toEqual({
      programs: { hi: "echo hi" },
      containers: { main: { env: { A: "1" } } },
    });
  });

  it("refuses names that could leave its directory", () => {
    const s = scripts();
    expect(() => s.appendLog({ ...ref, pod: "../../etc" }, "x")).toThrowError('PodScripts: pod "../../etc" is not a valid Kubernetes name');
    expect(() => s.containerRoot({ ...ref, container: "a/b" })).toThrowError(/container "a\/b" is not a valid/);
    expect(() => s.setPodBehaviour({ namespace: "..", pod: "p" }, {})).toThrowError(/namespace "\.\."/);
  });
});
