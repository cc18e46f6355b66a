/**
 * Manifests as kubectl reads them (`k8s.io/apimachinery/pkg/util/yaml.NewYAMLOrJSONDecoder`): a stream that starts
 * with `{` is a sequence of JSON values; anything else is YAML documents separated by `---` lines (kubectl's
 * YAMLReader: the separator may be followed by spaces and a comment only), each read by sigs.k8s.io/yaml over
 * go-yaml v2 (YAML 1.1 scalars, merge keys, bounded aliases: the kubeconfig decoder's rules).
 */
import { YamlError, YamlMap, type YamlValue, parseKubeconfigYaml } from "./kubeconfig/yaml.js";

/** A document that is not valid YAML or JSON; `document` is its 0-based index in the stream. */
export class ManifestSyntaxError extends Error {
  override readonly name = "ManifestSyntaxError";
  constructor(
    message: string,
    readonly document: number,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** One document of a stream: its index, the line it starts on, and its value (`null` for an empty document). */
export interface YamlDocument {
  index: number;
  line: number;
  value: unknown;
}

/** YAML values as JSON values (what sigs.k8s.io/yaml hands to the JSON decoder). */
function toJson(value: YamlValue): unknown {
  if (value instanceof YamlMap) {
    const object: Record<string, unknown> = {};
    for (const [key, item] of value) object[key] = toJson(item);
    return object;
  }
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === "bigint") return Number(value);
  return value;
}

/** Splits a JSON stream (`{...}{...}` or one value per line) into its top-level values. */
function jsonValues(text: string): Array<{ text: string; line: number }> {
  const values: Array<{ text: string; line: number }> = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") line++;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") {
      if (depth++ === 0) {
        start = i;
        startLine = line;
      }
    } else if (c === "}" || c === "]") {
      if (--depth === 0) values.push({ text: text.slice(start, i + 1), line: startLine });
    }
  }
  if (depth !== 0) values.push({ text: text.slice(start), line: startLine }); // unterminated: JSON.parse says why
  return values;
}

/**
 * Reads every document of a manifest stream, as kubectl does. Documents are numbered from 0 in the order written,
 * counting every chunk between separators that holds anything but blank lines; comment-only ones come back with
 * `value: null` (callers skip them, as kubectl does).
 */
export function parseManifestDocuments(text: string): YamlDocument[] {
  const source = text.replace(/^\uFEFF/, "");
  if (/^\s*\{/.test(source)) {
    return jsonValues(source).map(({ text: json, line }, index) => {
      try {
        return { index, line, value: JSON.parse(json) as unknown };
      } catch (error) {
        throw new ManifestSyntaxError(`document ${index} (line ${line}): invalid JSON: ${(error as Error).message}`, index, line);
      }
    });
  }
  const documents: YamlDocument[] = [];
  const lines = source.split("\n");
  let chunk: string[] = [];
  let chunkLine = 1;
  const flush = (nextLine: number) => {
    const index = documents.length;
    const body = chunk.join("\n");
    chunk = [];
    try {
      documents.push({ index, line: chunkLine, value: /^\s*(?:#.*)?$/.test(body.replace(/^\s*#.*$/gm, "")) ? null : toJson(parseKubeconfigYaml(body)) });
    } catch (error) {
      const line = error instanceof YamlError && error.line ? chunkLine + error.line - 1 : undefined;
      const reason = error instanceof YamlError ? error.message.replace(/^line \d+: /, "") : (error as Error).message;
      throw new ManifestSyntaxError(`document ${index}${line ? ` (line ${line})` : ""}: ${reason}`, index, line);
    }
    chunkLine = nextLine;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("---")) {
      const rest = line.slice(3).trim();
      if (rest !== "" && !rest.startsWith("#")) {
        const index = documents.length + (chunk.some((l) => l.trim() !== "") ? 1 : 0);
        throw new ManifestSyntaxError(`document ${index} (line ${i + 1}): only a comment may follow the document separator "---"`, index, i + 1);
      }
      if (chunk.some((l) => l.trim() !== "")) flush(i + 2);
      else {
        chunk = [];
        chunkLine = i + 2;
      }
      continue;
    }
    chunk.push(line);
  }
  if (chunk.some((l) => l.trim() !== "")) flush(lines.length + 1);
  return documents;
}
