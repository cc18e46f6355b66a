// Runs fuzz cases against the built @org/k8s-auth, one JSON line in, one JSON line out, in a child process of the fuzz
// test: the parent kills it when a case overruns its time limit (a hang, even a synchronous one) and notices when it
// dies (a crash). For each case: loadConnection, headers(), one request, and every printed form checked for secrets.
import { createInterface } from "node:readline";
import { inspect } from "node:util";
import { ConnectionError, CredentialError, KubeconfigError, NotInClusterError, loadConnection } from "../../dist/index.js";

const TYPED = [KubeconfigError, CredentialError, ConnectionError, NotInClusterError];

process.on("unhandledRejection", (reason) => {
  process.stdout.write(`${JSON.stringify({ crash: `unhandled rejection: ${reason instanceof Error ? reason.name : typeof reason}` })}\n`);
  process.exit(70);
});

/** What each printed form of a value contains, for the secret check. */
function printed(value) {
  const forms = [];
  const attempt = (f) => {
    try {
      forms.push(String(f()));
    } catch (error) {
      forms.push(`(printing threw ${error?.name})`);
    }
  };
  attempt(() => inspect(value, { depth: 10, showHidden: true }));
  attempt(() => JSON.stringify(value));
  attempt(() => String(value));
  if (value instanceof Error) {
    attempt(() => value.message);
    attempt(() => value.stack);
  }
  return forms;
}

function describeError(error) {
  return {
    name: error?.name ?? typeof error,
    typed: TYPED.some((type) => error instanceof type),
    message: error instanceof Error ? error.message : String(error),
    file: error?.file,
    entry: error?.entry,
    field: error?.field,
  };
}

async function runCase(c) {
  const started = performance.now();
  const texts = [];
  const result = { id: c.id, loaded: false, headersOk: false };
  let connection;
  try {
    connection = await loadConnection({ kubeconfig: c.kubeconfig, env: c.env, inCluster: false, execTimeoutMs: c.execTimeoutMs ?? 60_000 });
    result.loaded = true;
    texts.push(...printed(connection), connection.describe(), ...printed(connection.tls));
    await connection.headers();
    result.headersOk = true;
    const res = await connection.request("/api", { signal: AbortSignal.timeout(c.requestTimeoutMs) });
    result.status = res.status;
    await res.text();
  } catch (error) {
    const described = describeError(error);
    if (result.loaded && result.headersOk) result.requestError = described;
    else result.error = described;
    texts.push(...printed(error));
  } finally {
    await connection?.close().catch(() => undefined);
  }
  result.leaks = c.secrets.filter((secret) => texts.some((text) => text.includes(secret)));
  result.elapsedMs = Math.round(performance.now() - started);
  return result;
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const result = await runCase(JSON.parse(line));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
