// Test tooling (not part of the package): preloaded into the k8s-gen CLI (`node --require`) to stop it with SIGKILL
// just before its N-th file-system change under a directory, or to list those changes. It patches node:fs/promises
// and re-syncs the ES module bindings, so the CLI's own code runs unchanged.
//   K8S_GEN_WATCH_DIR   only changes of paths below this directory count
//   K8S_GEN_KILL_AT     kill before change number N (0-based)
//   K8S_GEN_TRACE       append one line per change ("op path") to this file
"use strict";
const fs = require("node:fs");
const { syncBuiltinESMExports } = require("node:module");

const dir = process.env.K8S_GEN_WATCH_DIR;
const killAt = process.env.K8S_GEN_KILL_AT === undefined ? -1 : Number(process.env.K8S_GEN_KILL_AT);
const trace = process.env.K8S_GEN_TRACE;
let count = 0;

function observe(op, path, flags) {
  const p = String(path);
  if (!dir || !p.startsWith(dir)) return;
  if (op === "open" && !/[wax]/.test(String(flags ?? "r"))) return;
  if (count === killAt) process.kill(process.pid, "SIGKILL");
  if (trace) fs.appendFileSync(trace, `${op} ${p}\n`);
  count++;
}

for (const op of ["mkdir", "writeFile", "rename", "rm", "unlink", "open"]) {
  const original = fs.promises[op];
  fs.promises[op] = function (path, ...rest) {
    observe(op, path, rest[0]);
    return original.call(this, path, ...rest);
  };
}
syncBuiltinESMExports();
