import { appendFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * How simulated pods behave, as the test kubelet reads it on every request. Set cluster-wide with
 * {@link PodScripts.setClusterBehaviour} and per pod with {@link PodScripts.setPodBehaviour}; `containers` narrows
 * a part to one container. Layers merge key by key: cluster, cluster container, pod, pod container.
 */
export interface PodBehaviour {
  /** Environment variables of exec'd commands (beside PATH, HOME, HOSTNAME and, with a TTY, TERM). */
  env?: Record<string, string>;
  /**
   * Extra commands for exec, beside the built-in ones: name -> shell script, whose arguments are `"$@"`. For
   * example `{ migrate: 'echo "migrating $1"; exit 3' }` makes `kubectl exec p -- migrate db` print and exit 3.
   */
  programs?: Record<string, string>;
  /**
   * Port-forward targets by pod port (`"8080"`, or `"*"` for any other): `"echo"` sends back what it receives,
   * `"refuse"` fails as a closed port, `"127.0.0.1:PORT"` (loopback only) is dialled. No rule at all refuses.
   */
  portForward?: Record<string, PortForwardTarget>;
  /** Attach input appears in the container's log as stdout, and so in the attach output (like `cat`). Default true. */
  attachEchoesStdin?: boolean;
  /** Per-container overrides. */
  containers?: Record<string, Omit<PodBehaviour, "containers">>;
}

/** Where a forwarded port goes: see {@link PodBehaviour.portForward}. */
export type PortForwardTarget = "echo" | "refuse" | `127.0.0.1:${number}` | `[::1]:${number}`;

/** One container of one pod. */
export interface ContainerRef {
  namespace: string;
  pod: string;
  container: string;
}

/** Options for {@link PodScripts.appendLog}. */
export interface LogLineOptions {
  /** Default `"stdout"`. */
  stream?: "stdout" | "stderr";
  /** Write the log of the previous (terminated) instance instead, as `kubectl logs --previous` reads. */
  previous?: boolean;
  /** Timestamp of the lines. Default now. */
  time?: Date;
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function checkName(kind: string, value: string): string {
  if (!NAME.test(value)) throw new Error(`PodScripts: ${kind} ${JSON.stringify(value)} is not a valid Kubernetes name`);
  return value;
}

function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path); // the test kubelet never reads half a file
}

/**
 * Scripts the simulated pods of a whole cluster: their logs, what exec finds, where port-forward goes. Works from
 * any process on the machine given the cluster's {@link Cluster.kubeletDir} (test workers included), since the test
 * kubelet reads these files on every request. Nothing here runs anything.
 */
export class PodScripts {
  /** The test kubelet's directory (behaviour files and container state). */
  readonly dir: string;

  constructor(kubeletDir: string) {
    this.dir = kubeletDir;
  }

  /** Replaces the cluster-wide behaviour. */
  setClusterBehaviour(behaviour: PodBehaviour): void {
    writeAtomically(join(this.dir, "cluster.json"), JSON.stringify(behaviour));
  }

  /** Replaces one pod's behaviour (it overrides the cluster-wide one key by key). */
  setPodBehaviour(pod: { namespace: string; pod: string }, behaviour: PodBehaviour): void {
    writeAtomically(join(this.#podDir(pod.namespace, pod.pod), "pod.json"), JSON.stringify(behaviour));
  }

  /**
   * Appends lines to a container's log (what `kubectl logs` returns and `-f` and attach stream), in the CRI format
   * the kubelet reads. A container with no lines of its own shows {@link PodScripts.appendDefaultLog}'s.
   */
  appendLog(ref: ContainerRef, lines: string | string[], options: LogLineOptions = {}): void {
    const file = options.previous ? "previous.log" : "current.log";
    this.#append(join(this.containerDir(ref), file), lines, options);
  }

  /** Appends lines to the log every container without a log of its own shows. */
  appendDefaultLog(lines: string | string[], options: Omit<LogLineOptions, "previous"> = {}): void {
    this.#append(join(this.dir, "default.log"), lines, options);
  }

  /** Marks the container as exited: `logs -f` and attach end once they have sent what is in the log. */
  exitContainer(ref: ContainerRef): void {
    writeAtomically(join(this.containerDir(ref), "exited"), "");
  }

  /** The host directory that exec in this container sees as `/` (created on first use; seed files into it). */
  containerRoot(ref: ContainerRef): string {
    const root = join(this.containerDir(ref), "root");
    mkdirSync(root, { recursive: true });
    return root;
  }

  /** The container's state directory: logs, exit marker, root. */
  containerDir(ref: ContainerRef): string {
    return join(this.#podDir(ref.namespace, ref.pod), checkName("container", ref.container));
  }

  #podDir(namespace: string, pod: string): string {
    return join(this.dir, "pods", checkName("namespace", namespace), checkName("pod", pod));
  }

  #append(path: string, lines: string | string[], options: Omit<LogLineOptions, "previous">): void {
    const stamp = (options.time ?? new Date()).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
    const stream = options.stream ?? "stdout";
    const entries = (Array.isArray(lines) ? lines : [lines]).flatMap((line) => line.replace(/\n$/, "").split("\n"));
    mkdirSync(dirname(path), { recursive: true });
    appendFileSync(path, entries.map((line) => `${stamp} ${stream} F ${line}\n`).join(""));
  }
}
