import type { FetchProgress } from "./fetch-specs.js";

/** Progress on stderr: a live line on a TTY, nothing otherwise (except the summary), nothing at all with --quiet. */
export interface Progress {
  note(message: string): void;
  download(progress: FetchProgress): void;
  generate(done: number, total: number): void;
  done(summary: string): void;
  clear(): void;
}

export function createProgress(options: { quiet: boolean; stream: NodeJS.WriteStream }): Progress {
  const { stream, quiet } = options;
  const live = !quiet && stream.isTTY === true;
  const started = Date.now();
  let shown = false;
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const show = (line: string) => {
    if (!live) return;
    stream.write(`\r\x1b[2K[k8s-gen] ${line}`);
    shown = true;
  };
  const clear = () => {
    if (shown) stream.write("\r\x1b[2K");
    shown = false;
  };
  return {
    note(message) {
      if (live) {
        clear();
        stream.write(`[k8s-gen] ${message}\n`);
      }
    },
    download(p) {
      show(`downloading group-versions ${p.done}/${p.total} (${p.cached} cached, ${(p.bytes / 1e6).toFixed(1)} MB) ${elapsed()}`);
    },
    generate(done, total) {
      show(`generating modules ${done}/${total} ${elapsed()}`);
    },
    done(summary) {
      clear();
      if (!quiet) stream.write(`[k8s-gen] ${summary}\n`);
    },
    clear,
  };
}
