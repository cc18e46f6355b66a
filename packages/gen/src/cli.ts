#!/usr/bin/env node
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConnection } from "@org/k8s-auth";
import { EXIT, GenError } from "./errors.js";
import { generate } from "./generate.js";
import { createProgress } from "./progress.js";

const HELP = `k8s-gen: generate typed Kubernetes clients from a cluster's /openapi/v3

Usage:
  k8s-gen --out DIR [connection flags] [options]
  k8s-gen --out DIR --from SPEC_DIR [options]

Connection (as kubectl; in a pod with no kubeconfig, the service account is used):
  --kubeconfig PATH     kubeconfig file (replaces KUBECONFIG)
  --context NAME        kubeconfig context
  --namespace NAME      (accepted for symmetry with kubectl; generation is cluster-wide)

Options:
  --out DIR             output directory (replaced as a whole, atomically)
  --groups LIST         only these groups or group/versions, comma-separated (core, apps, batch/v1, example.com)
  --exclude LIST        skip these groups or group/versions
  --save-spec DIR       also save the downloaded documents (DIR/api/v1.json, DIR/apis/GROUP/VERSION.json)
  --from DIR            generate offline from documents saved with --save-spec
  --cache-dir DIR       cache of downloaded documents by hash (default ~/.cache/k8s-sdk/openapi)
  --no-cache            do not read or write the document cache
  --concurrency N       parallel downloads (default 4)
  --jobs N              threads that write modules (default: the cores available from 4 up, else 1: no worker threads)
  --runtime-import MOD  module the generated code imports the runtime from (default @org/k8s-core/runtime,
                        which every app that installed @org/k8s-core has)
  --check               write nothing; exit 1 and list the files that would change
  --quiet               no progress or summary on stderr
  -h, --help            this help

Exit codes: 0 ok, 1 --check found changes, 2 bad flags, 3 cluster unreachable or refused,
            4 malformed document, 5 output directory not writable.
`;

function list(value: string | undefined): string[] | undefined {
  return value ? value.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        out: { type: "string" },
        kubeconfig: { type: "string" },
        context: { type: "string" },
        namespace: { type: "string" },
        groups: { type: "string" },
        exclude: { type: "string" },
        "save-spec": { type: "string" },
        from: { type: "string" },
        "cache-dir": { type: "string" },
        "no-cache": { type: "boolean" },
        concurrency: { type: "string" },
        jobs: { type: "string" },
        "runtime-import": { type: "string" },
        check: { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    process.stderr.write(`k8s-gen: ${(error as Error).message}\nRun k8s-gen --help for usage.\n`);
    return EXIT.usage;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (!args.out) {
    process.stderr.write("k8s-gen: --out DIR is required\nRun k8s-gen --help for usage.\n");
    return EXIT.usage;
  }
  const concurrency = args.concurrency === undefined ? 4 : Number(args.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    process.stderr.write(`k8s-gen: --concurrency must be a positive integer, got ${JSON.stringify(args.concurrency)}\n`);
    return EXIT.usage;
  }
  const jobs = args.jobs === undefined ? undefined : Number(args.jobs);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) {
    process.stderr.write(`k8s-gen: --jobs must be a positive integer, got ${JSON.stringify(args.jobs)}\n`);
    return EXIT.usage;
  }
  if (args["runtime-import"] !== undefined && !/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w.-]+)*$/i.test(args["runtime-import"])) {
    process.stderr.write(`k8s-gen: --runtime-import must be a package name or subpath (such as @org/k8s-core/runtime), got ${JSON.stringify(args["runtime-import"])}\n`);
    return EXIT.usage;
  }
  if (args.from && (args.kubeconfig || args.context)) {
    process.stderr.write("k8s-gen: --from generates offline; it cannot be combined with --kubeconfig or --context\n");
    return EXIT.usage;
  }

  const progress = createProgress({ quiet: args.quiet === true, stream: process.stderr });
  const started = Date.now();
  let connection: Awaited<ReturnType<typeof loadConnection>> | undefined;
  try {
    let source: { client: NonNullable<typeof connection> } | { fromDir: string };
    if (args.from) source = { fromDir: resolve(args.from) };
    else {
      try {
        connection = await loadConnection({
          ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}),
          ...(args.context ? { context: args.context } : {}),
        });
      } catch (error) {
        throw new GenError(`cannot load the connection: ${(error as Error).message}`, EXIT.cluster, { cause: error });
      }
      progress.note(`connecting to ${connection.describe()}`);
      source = { client: connection };
    }
    const cacheDir = args["no-cache"]
      ? undefined
      : resolve(args["cache-dir"] ?? join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "k8s-sdk", "openapi"));
    const groups = list(args.groups);
    const exclude = list(args.exclude);
    const result = await generate({
      out: resolve(args.out),
      source,
      ...(groups ? { groups } : {}),
      ...(exclude ? { exclude } : {}),
      ...(args["save-spec"] ? { saveSpec: resolve(args["save-spec"]) } : {}),
      ...(cacheDir ? { cacheDir } : {}),
      ...(args["runtime-import"] ? { runtimeImport: args["runtime-import"] } : {}),
      check: args.check === true,
      concurrency,
      ...(jobs === undefined ? {} : { jobs }),
      onDownloadProgress: (p) => progress.download(p),
      onGenerateProgress: (done, total) => progress.generate(done, total),
    });
    const changes = result.diff.added.length + result.diff.changed.length + result.diff.removed.length;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (args.check) {
      if (changes > 0) {
        const lines = [
          ...result.diff.added.map((f) => `  added:   ${f}`),
          ...result.diff.changed.map((f) => `  changed: ${f}`),
          ...result.diff.removed.map((f) => `  removed: ${f}`),
        ];
        process.stderr.write(`k8s-gen --check: ${args.out} is out of date (${changes} files):\n${lines.join("\n")}\nRun k8s-gen again to update it.\n`);
        return EXIT.outOfDate;
      }
      progress.done(`${args.out} is up to date (${result.groupVersions.length} group-versions, ${result.files} files) in ${seconds} s`);
      return EXIT.ok;
    }
    const dl = result.download;
    progress.done(
      `${result.groupVersions.length} group-versions → ${args.out}: ${result.files} files, ${(result.bytes / 1e6).toFixed(2)} MB, ` +
        `${changes === 0 ? "unchanged" : `${changes} changed`}` +
        `${dl ? `; downloaded ${dl.downloaded}, cached ${dl.cached}` : ""} in ${seconds} s`,
    );
    return EXIT.ok;
  } catch (error) {
    progress.clear();
    const exitCode = error instanceof GenError ? error.exitCode : 70;
    process.stderr.write(`k8s-gen: ${(error as Error).message}\n`);
    return exitCode;
  } finally {
    await connection?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`k8s-gen: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
