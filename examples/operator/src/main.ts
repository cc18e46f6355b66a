#!/usr/bin/env node
// The Website operator as a process: `node dist/main.js [flags]`, connecting the way kubectl does (KUBECONFIG,
// ~/.kube/config, or the pod's service account). It logs one JSON object per line on standard output. SIGTERM or
// SIGINT stops it gracefully (reconciles finish, then the lease is released: exit 0); a lost lease exits 1, as
// controller-runtime's managers do, for the supervisor to restart it.
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { LeaderElectionLostError, Manager, describeError, jsonLogger } from "@org/k8s-controller";
import { connect } from "@org/k8s-core";
import { websiteController } from "./website-controller.js";

const USAGE = `usage: node dist/main.js [--namespace NS] [--concurrency N] [--leader-elect [--lease-namespace NS] [--lease-name NAME]
                         [--identity ID] [--lease-duration S] [--renew-deadline S] [--retry-period S]] [--verbose]`;

function flags() {
  try {
    return parseArgs({
      options: {
        namespace: { type: "string" },
        concurrency: { type: "string", default: "2" },
        "leader-elect": { type: "boolean", default: false },
        "lease-namespace": { type: "string", default: "default" },
        "lease-name": { type: "string", default: "website-operator" },
        identity: { type: "string", default: `${hostname()}_${process.pid}` },
        "lease-duration": { type: "string", default: "15" },
        "renew-deadline": { type: "string", default: "10" },
        "retry-period": { type: "string", default: "2" },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n${USAGE}\n`);
    process.exit(2);
  }
}

const args = flags();
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const seconds = (flag: "lease-duration" | "renew-deadline" | "retry-period") => {
  const value = Number(args[flag]);
  if (!(value > 0)) {
    process.stderr.write(`--${flag} must be a positive number of seconds, got ${JSON.stringify(args[flag])}\n`);
    process.exit(2);
  }
  return value * 1000;
};

const log = jsonLogger({ write: (line) => void process.stdout.write(line), level: args.verbose ? "debug" : "info", fields: { identity: args.identity } });
const k8s = await connect();
const manager = new Manager({
  client: k8s.client,
  log,
  ...(args["leader-elect"]
    ? {
        leaderElection: {
          namespace: args["lease-namespace"],
          name: args["lease-name"],
          identity: args.identity,
          leaseDurationMs: seconds("lease-duration"),
          renewDeadlineMs: seconds("renew-deadline"),
          retryPeriodMs: seconds("retry-period"),
        },
      }
    : {}),
});
manager.add(websiteController(k8s, { namespace: args.namespace, concurrency: Number(args.concurrency), log }));

const stop = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log.info("shutting down", { signal });
    stop.abort();
  });
}
log.info("operator starting", { server: k8s.connection.server, namespace: args.namespace ?? "(all)", leaderElection: args["leader-elect"] });
try {
  await manager.run({ signal: stop.signal });
  log.info("operator stopped");
} catch (error) {
  log.error(error instanceof LeaderElectionLostError ? "leader election lost; exiting" : "operator failed", { error: describeError(error) });
  process.exitCode = 1;
} finally {
  await k8s.close();
}
