import { EmitPool } from "./emit-pool.js";
import { type GeneratedFiles, generateFiles } from "./emit-modules.js";
import { ClusterRequestError, type FetchProgress, type SpecClient, fetchSpecs } from "./fetch-specs.js";
import { EXIT, GenError } from "./errors.js";
import type { GroupVersionDocument } from "./openapi.js";
import { type GroupFilter, readSavedSpecs, saveSpecs } from "./spec-source.js";
import { referenceProblems } from "./validate-document.js";
import { type OutputDiff, syncOutput } from "./write-output.js";

/** Options of {@link generate}. */
export interface GenerateOptions extends GroupFilter {
  /** Output directory; replaced as a whole. */
  out: string;
  /** Where the documents come from: a live cluster, or a directory saved with `saveSpec`. */
  source: { client: SpecClient } | { fromDir: string };
  /** Also save the documents here (`--save-spec`). */
  saveSpec?: string;
  /** Cache of downloaded documents by hash. */
  cacheDir?: string;
  /** Compare instead of writing (`--check`). */
  check?: boolean;
  concurrency?: number;
  /** Threads that emit modules. Default: the cores available; 1 emits on the calling thread. */
  jobs?: number;
  /** Module the generated code imports the runtime from. Default `@org/k8s-core/runtime` ({@link DEFAULT_RUNTIME_IMPORT}). */
  runtimeImport?: string;
  /** Called as documents are read (downloaded or taken from the cache). */
  onDownloadProgress?: (progress: FetchProgress) => void;
  /** Called as modules are generated: `done` of `total`. */
  onGenerateProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** What a run did. */
export interface GenerateResult {
  groupVersions: string[];
  files: number;
  bytes: number;
  /** What differs from the output directory before this run (in `check` mode: what would change). */
  diff: OutputDiff;
  download?: FetchProgress;
}

function wrap(error: unknown, exitCode: number): never {
  if (error instanceof GenError) throw error;
  // Documents are checked before generating, so a runtime error here is a k8s-gen bug: say so instead of passing it off.
  const runtime = error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError;
  const message = error instanceof Error ? error.message : String(error);
  throw new GenError(runtime ? `internal error while generating (the documents passed k8s-gen's checks; please report this): ${message}` : message, exitCode, { cause: error });
}

/** Pulls the documents, generates the typed modules and writes them atomically (or checks them). */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  // Started first: the threads load TypeScript while the documents download and parse.
  const pool = EmitPool.start(options.jobs === undefined ? {} : { jobs: options.jobs });
  try {
    return await generateWith(pool, options);
  } finally {
    await pool.close();
  }
}

async function generateWith(pool: EmitPool, options: GenerateOptions): Promise<GenerateResult> {
  let documents: GroupVersionDocument[];
  let download: FetchProgress | undefined;
  if ("client" in options.source) {
    try {
      documents = await fetchSpecs(options.source.client, {
        ...options,
        onProgress: (progress) => {
          download = progress;
          options.onDownloadProgress?.(progress);
        },
      });
    } catch (error) {
      wrap(error, error instanceof ClusterRequestError ? EXIT.cluster : EXIT.document);
    }
  } else {
    try {
      documents = await readSavedSpecs(options.source.fromDir, options);
    } catch (error) {
      wrap(error, EXIT.document);
    }
  }
  if (documents.length === 0) throw new GenError("no group-versions selected: check --groups and --exclude", EXIT.usage);
  // Each document's shape was checked as it was read; references are checked across them (schemas are shared).
  const dangling = referenceProblems(documents);
  if (dangling) throw new GenError(dangling, EXIT.document);
  if (options.saveSpec) {
    try {
      await saveSpecs(options.saveSpec, documents);
    } catch (error) {
      wrap(new Error(`--save-spec ${options.saveSpec}: ${(error as Error).message}`), EXIT.output);
    }
  }

  let files: GeneratedFiles;
  try {
    files = await generateFiles(documents, options.onGenerateProgress, { pool, ...(options.runtimeImport ? { runtimeImport: options.runtimeImport } : {}) });
  } catch (error) {
    wrap(error, EXIT.document);
  }
  let diff: OutputDiff;
  try {
    diff = await syncOutput(options.out, files, { check: options.check === true });
  } catch (error) {
    wrap(error, EXIT.output);
  }
  return {
    groupVersions: documents.map((d) => d.key).sort(),
    files: files.size,
    bytes: [...files.values()].reduce((sum, content) => sum + Buffer.byteLength(content), 0),
    diff,
    ...(download ? { download } : {}),
  };
}
