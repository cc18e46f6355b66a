/** Structured fields of a log line. Errors are logged by their message (and `name`), never as `{}`. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Where the controller runtime logs. Any method may be a no-op; none may be relied on to be called. */
export interface Logger {
  /** Something a reader of the log wants to see (a reconcile, a leadership change). */
  info(message: string, fields?: LogFields): void;
  /** Something went wrong (a reconcile failed, a lease could not be renewed). */
  error(message: string, fields?: LogFields): void;
  /** Details for debugging (every enqueue, every renewal). */
  debug?(message: string, fields?: LogFields): void;
}

/** The default: errors to `console.error`, nothing else (a library stays quiet unless asked). */
export const errorsToConsole: Logger = {
  info: () => {},
  error: (message, fields) => console.error(`[k8s-controller] ${message}${fields ? ` ${JSON.stringify(serializable(fields))}` : ""}`),
};

/** Options of {@link jsonLogger}. */
export interface JsonLoggerOptions {
  /** Where each line goes (without its newline added: the line ends with one). Default: `process.stderr.write`. */
  write?: ((line: string) => void) | undefined;
  /** The least severe level written. Default `"info"`. */
  level?: "debug" | "info" | "error" | undefined;
  /** Fields added to every line (`{ identity: "replica-1" }`). */
  fields?: LogFields | undefined;
}

const LEVELS = { debug: 0, info: 1, error: 2 } as const;

/**
 * A logger writing one JSON object per line: `{"time":"…","level":"info","msg":"…",…fields}` (`time` is ISO 8601
 * with milliseconds), as controller-runtime's zap logger does in production mode.
 */
export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const least = LEVELS[options.level ?? "info"];
  const base = options.fields ?? {};
  const line = (level: keyof typeof LEVELS) => (message: string, fields?: LogFields) => {
    if (LEVELS[level] < least) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...serializable(base), ...serializable(fields ?? {}) })}\n`);
  };
  return { debug: line("debug"), info: line("info"), error: line("error") };
}

/** A logger that adds `fields` to every line of `parent`. */
export function withFields(parent: Logger, fields: LogFields): Logger {
  const merge = (more?: LogFields) => (more ? { ...fields, ...more } : fields);
  return {
    info: (message, more) => parent.info(message, merge(more)),
    error: (message, more) => parent.error(message, merge(more)),
    debug: (message, more) => parent.debug?.(message, merge(more)),
  };
}

/** Calls a logger method so that a throwing logger can never break the caller. */
export function safeLog(logger: Logger, level: "info" | "error" | "debug", message: string, fields?: LogFields): void {
  try {
    logger[level]?.(message, fields);
  } catch {
    // a broken logger must not take a controller down
  }
}

/** Error values as `{ name, message }` strings, so JSON shows them. */
function serializable(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = value instanceof Error ? describeError(value) : value;
  return out;
}

/** One line about an error: `Name: message` (just the message for plain `Error`s). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
