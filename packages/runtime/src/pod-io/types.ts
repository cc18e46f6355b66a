// The public shapes of pod I/O (exec, attach, port-forward, cp). Type-only: the implementation is loaded on first
// use. Streams are Node streams at run time, typed here by what they offer so that the runtime's declarations need
// no `@types/node` (cast them to `Readable`/`Writable`/`Duplex` where you have those types).
import type { Status } from "../types.js";

/** Where a byte stream can be piped to: anything with `write` and `end` (a Node `Writable`, `process.stdout`). */
export interface ByteSink {
  /** Writes a chunk; `false` when the buffer is full (wait for `drain` before writing more). */
  write(chunk: Uint8Array | string, callback?: (error?: Error | null) => void): boolean;
  /** Ends the writing side (the other side sees EOF). */
  end(callback?: () => void): unknown;
  /** Ends the writing side (the other side sees EOF), after writing `chunk` when one is given. */
  end(chunk: Uint8Array | string, callback?: () => void): unknown;
}

/** Bytes arriving (a Node `Readable`): iterate it with `for await`, or `pipe` it. */
export interface ByteReadable extends AsyncIterable<Uint8Array> {
  /** Pipes the bytes into `destination`, ending it when this stream ends unless `end: false`; returns `destination`. */
  pipe<W extends ByteSink>(destination: W, options?: { end?: boolean }): W;
  /** Stops `data` events until {@link resume}. */
  pause(): this;
  /** Starts (again) the flow of `data` events. */
  resume(): this;
  /** Closes the stream at once, failing it with `error` when one is given. */
  destroy(error?: Error): this;
  /** Listens for each chunk of bytes as it arrives. */
  on(event: "data", listener: (chunk: Uint8Array) => void): this;
  /** Listens for the `end`, `close` events. */
  on(event: "end" | "close", listener: () => void): this;
  /** Listens for the error that ended the stream. */
  on(event: "error", listener: (error: Error) => void): this;
  /** Listens once for each chunk of bytes as it arrives. */
  once(event: "data", listener: (chunk: Uint8Array) => void): this;
  /** Listens once for the `end`, `close` events. */
  once(event: "end" | "close", listener: () => void): this;
  /** Listens once for the error that ended the stream. */
  once(event: "error", listener: (error: Error) => void): this;
  readonly readableEnded: boolean;
}

/** Bytes going out (a Node `Writable`): `write`, then `end` to close (EOF). */
export interface ByteWritable extends ByteSink {
  /** Closes the stream at once, failing it with `error` when one is given. */
  destroy(error?: Error): this;
  /** Listens for the `drain`, `finish`, `close` events. */
  on(event: "drain" | "finish" | "close", listener: () => void): this;
  /** Listens for the error that ended the stream. */
  on(event: "error", listener: (error: Error) => void): this;
  /** Listens once for the `drain`, `finish`, `close` events. */
  once(event: "drain" | "finish" | "close", listener: () => void): this;
  /** Listens once for the error that ended the stream. */
  once(event: "error", listener: (error: Error) => void): this;
  readonly writableFinished: boolean;
}

/** Both ways (a Node `Duplex`): a forwarded connection. `end()` half-closes it, `destroy()` resets it. */
export interface ByteDuplex extends AsyncIterable<Uint8Array>, ByteSink {
  /** Pipes the bytes into `destination`, ending it when this stream ends unless `end: false`; returns `destination`. */
  pipe<W extends ByteSink>(destination: W, options?: { end?: boolean }): W;
  /** Stops `data` events until {@link resume}. */
  pause(): this;
  /** Starts (again) the flow of `data` events. */
  resume(): this;
  /** Closes the stream at once, failing it with `error` when one is given. */
  destroy(error?: Error): this;
  /** Listens for each chunk of bytes as it arrives. */
  on(event: "data", listener: (chunk: Uint8Array) => void): this;
  /** Listens for the `end`, `close`, `drain`, `finish` events. */
  on(event: "end" | "close" | "drain" | "finish", listener: () => void): this;
  /** Listens for the error that ended the stream. */
  on(event: "error", listener: (error: Error) => void): this;
  /** Listens once for each chunk of bytes as it arrives. */
  once(event: "data", listener: (chunk: Uint8Array) => void): this;
  /** Listens once for the `end`, `close`, `drain`, `finish` events. */
  once(event: "end" | "close" | "drain" | "finish", listener: () => void): this;
  /** Listens once for the error that ended the stream. */
  once(event: "error", listener: (error: Error) => void): this;
  readonly readableEnded: boolean;
  readonly writableFinished: boolean;
}

/** Input for a command: bytes or text to send and then close, or `true` to write {@link RemoteProcess.stdin} yourself. */
export type ProcessInput = true | string | Uint8Array | AsyncIterable<Uint8Array | string>;

/** A terminal size, in character cells. */
export interface TerminalSize {
  columns: number;
  rows: number;
}

/** The WebSocket subprotocols of exec and attach, newest first. */
export type RemoteCommandProtocol = "v5.channel.k8s.io" | "v4.channel.k8s.io";

/** Options of `attach` (and the streams of `exec`). */
export interface AttachOptions {
  /** The container; the server picks the only one of a single-container pod. */
  container?: string | undefined;
  /** Send input: data to send then close, or `true` for a writable {@link RemoteProcess.stdin}. Default none. */
  stdin?: ProcessInput | false | undefined;
  /** Receive standard output. Default true. */
  stdout?: boolean | undefined;
  /** Receive standard error apart. Default true, false with `tty` (a terminal has one output). */
  stderr?: boolean | undefined;
  /** Give the command a terminal (as `kubectl exec -t`): output with `\r\n`, resizable. */
  tty?: boolean | undefined;
  /** The terminal's size right from the start (with `tty`); change it later with {@link RemoteProcess.resize}. */
  terminalSize?: TerminalSize | undefined;
  /** Ends the session and frees its connection; the result rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * Subprotocols to offer. Default `["v5.channel.k8s.io", "v4.channel.k8s.io"]`: v5 (Kubernetes >= 1.30) can close
   * stdin, so the command sees EOF; v4 cannot.
   */
  protocols?: readonly RemoteCommandProtocol[] | undefined;
}

/** Options of `exec`. */
export interface ExecOptions extends AttachOptions {
  /** The program and its arguments (no shell: `["sh", "-c", "echo $HOME"]` for one). */
  command: readonly string[];
}

/** How a command ended. */
export interface ExecResult {
  /** 0 for success, else the command's exit code (from the server's `NonZeroExitCode` status and its `ExitCode` cause). */
  exitCode: number;
  /** The status the server sent on the status channel. */
  status: Status;
}

/**
 * A running command (exec) or an attached container. Read `stdout` and `stderr` (or turn them off): like a pipe,
 * unread output eventually stalls the command. Close or abort it to free its connection.
 */
export interface RemoteProcess extends AsyncDisposable {
  /** The negotiated subprotocol. */
  readonly protocol: RemoteCommandProtocol;
  /** The command's input, when `stdin: true`; `end()` closes it, and (over v5) the command sees EOF. */
  readonly stdin: ByteWritable | null;
  readonly stdout: ByteReadable | null;
  /** Standard error, apart from standard output (none with a terminal). */
  readonly stderr: ByteReadable | null;
  /** Resizes the terminal (with `tty`). */
  resize(size: TerminalSize): void;
  /**
   * Settles once the command ended and its output was delivered: the exit code (non-zero is a result, not an
   * error), or a typed error: {@link ContainerNotRunningError}, a `KubernetesError` with the server's status, a
   * `TransportError` when the connection broke, the signal's reason when aborted.
   */
  readonly result: Promise<ExecResult>;
  /** Ends the session now and frees its connection (the result rejects with an `AbortError`). */
  close(): void;
}

/** Options of `execCommand`. */
export interface ExecCommandOptions {
  container?: string | undefined;
  /** Input to send, then close (EOF). */
  stdin?: string | Uint8Array | AsyncIterable<Uint8Array | string> | undefined;
  signal?: AbortSignal | undefined;
  /** Give up (and end the command's session) after this long. Default: no limit. */
  timeoutMs?: number | undefined;
}

/** What `execCommand` returns: the output as UTF-8 text and the exit code. */
export interface ExecOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * A port to forward, as `kubectl port-forward` reads it: `8080` (local 8080 to the pod's 8080), `"5000:8080"`,
 * `":8080"` or `{ remote: 8080 }` (a free local port; see {@link PortForward.ports}).
 */
export type PortMapping = number | `${number}` | `${number}:${number}` | `:${number}` | { local?: number | undefined; remote: number };

/** Options of `portForward`. */
export interface PortForwardOptions {
  /** Ports to listen for locally, as `kubectl port-forward` does. Default none: use {@link PortForward.connect}. */
  ports?: readonly PortMapping[] | undefined;
  /** Local address to listen on. Default `127.0.0.1` (loopback only, as kubectl). */
  address?: string | undefined;
  /** Ends the session: listeners close and every forwarded connection is reset. */
  signal?: AbortSignal | undefined;
  /**
   * Errors of connections accepted by the listeners (the pod refused the port, ...): each ends its own connection
   * and goes here. Default: printed to standard error, as kubectl prints them.
   */
  onError?: ((error: Error, port: { local: number; remote: number }) => void) | undefined;
  /**
   * `"websocket"`: SPDY tunnelled in a WebSocket (`SPDY/3.1+portforward.k8s.io`, kubectl's default since 1.31);
   * `"spdy"`: plain SPDY/3.1; `"auto"` (default): the WebSocket, falling back to SPDY where the server refuses it.
   */
  transport?: "auto" | "websocket" | "spdy" | undefined;
}

/** A forwarded local port. */
export interface ForwardedPort {
  /** The listening address. */
  address: string;
  local: number;
  remote: number;
}

/**
 * A port-forward session to one pod: one upgraded connection that carries every forwarded connection (as kubectl).
 * Close it when done (`await using`).
 */
export interface PortForward extends AsyncDisposable {
  /** `"SPDY/3.1+portforward.k8s.io"` (tunnelled in a WebSocket) or `"portforward.k8s.io"` (plain SPDY). */
  readonly protocol: string;
  /** The listeners of {@link PortForwardOptions.ports}. */
  readonly ports: readonly ForwardedPort[];
  /**
   * Opens a connection to the pod's `port`: resolves when the server accepted the streams. Data flows both ways;
   * `end()` half-closes. If the pod refuses the port, the stream fails with a {@link PortForwardError}.
   */
  connect(port: number): Promise<ByteDuplex>;
  /** Closes the listeners and the session (open connections are reset). */
  close(): Promise<void>;
  /** Settles when the session ends: after `close()` or the signal, or rejected when the connection broke. */
  readonly closed: Promise<void>;
}

/** Options of `copyTo` and `copyFrom`. */
export interface CopyOptions {
  container?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** What a copy did. */
export interface CopyResult {
  /** Files, directories and links written (copyFrom) or archived (copyTo). */
  entries: number;
  /** Bytes of file content. */
  bytes: number;
  /** Entries not written, with why (device files, FIFOs). */
  skipped: Array<{ path: string; reason: string }>;
}
