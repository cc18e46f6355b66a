/** Exit codes of the k8s-gen CLI, for scripts. */
export const EXIT = {
  ok: 0,
  /** `--check`: the output is not up to date. */
  outOfDate: 1,
  /** Bad flags. */
  usage: 2,
  /** The cluster could not be reached, rejected us, or has no /openapi/v3; or the connection config is bad. */
  cluster: 3,
  /** A document is malformed or not what Kubernetes serves. */
  document: 4,
  /** The output directory cannot be written. */
  output: 5,
} as const;

/** An error with the exit code the CLI should end with. */
export class GenError extends Error {
  override readonly name = "GenError";
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
