/**
 * Doc comments as people read them in an editor. openapi-typescript writes a JSDoc block per schema with tags for
 * every field it knows (`@description`, `Format: int64`, `@default 0`, `@enum {string}`); the description is the
 * prose, the rest is either in the type already (enums, literal kinds) or Go's zero value (`@default {}`). This keeps
 * the prose, `@deprecated`, examples and defaults that say something.
 */

/** Go zero values that Kubernetes documents list as defaults; a default a reader can learn nothing from. */
const TRIVIAL_DEFAULTS = new Set(["{}", "[]", '""', "0", "false", "null", ""]);

interface Entry {
  /** The tag (`description`, `default`, ...) or "" for untagged text (openapi-typescript's title/summary). */
  tag: string;
  lines: string[];
}

/**
 * Splits openapi-typescript's comment body (the text between `/*` and `*\/`) into entries. Each entry starts on a
 * line ` * X`; continuation lines of a multi-line value are indented four more spaces (` *     `).
 */
function entries(text: string): Entry[] {
  const lines = text.replace(/^\*/, "").split("\n");
  const result: Entry[] = [];
  for (const raw of lines) {
    const line = raw.replace(/^\s*\* ?/, "");
    if (raw.trim() === "") continue;
    const continuation = /^ {4}/.test(line);
    if (continuation && result.length > 0) {
      result[result.length - 1]!.lines.push(line.slice(4).trimEnd());
      continue;
    }
    const tagged = /^@(\w+)\s?(.*)$/.exec(line.trim());
    if (tagged) result.push({ tag: tagged[1]!, lines: [tagged[2]!.trimEnd()] });
    else if (/^Format: /.test(line.trim())) result.push({ tag: "format", lines: [] });
    else result.push({ tag: "", lines: [line.trim()] });
  }
  return result;
}

/** Collapses runs of blank lines and trims blank lines at either end. */
function tidy(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (line === "" && (out.length === 0 || out[out.length - 1] === "")) continue;
    out.push(line);
  }
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/**
 * A Markdown link to a root-relative path (`[ref](/pkg/apis/admission/types.go#AdmissionRequest)`) points into the
 * source tree of whoever wrote the schema, which no reader of the comment can resolve (an editor or a docs site
 * would send it to its own root): the path is kept as code, the link dropped.
 */
const unlinkRootRelative = (line: string): string => line.replace(/\[([^\]]*)\]\((\/[^)\s]*)\)/g, (_all, text: string, path: string) => `${text} (\`${path}\`)`);

/**
 * Rewrites one comment body as prose; `undefined` when nothing worth reading is left (the comment is dropped).
 * The result is a comment body again (`*\n * line\n `), `*\/` stays escaped as openapi-typescript escaped it.
 */
export function rewriteDocComment(text: string): string | undefined {
  const prose: string[] = [];
  const tags: string[] = [];
  for (const entry of entries(text)) {
    const value = entry.lines.join("\n").trim();
    switch (entry.tag) {
      case "":
      case "description":
        if (prose.length > 0) prose.push("");
        prose.push(...entry.lines.map(unlinkRootRelative));
        break;
      case "deprecated":
        tags.push("@deprecated");
        break;
      case "default":
        if (!TRIVIAL_DEFAULTS.has(value.replace(/\s+/g, ""))) tags.push(`@defaultValue \`${value.replace(/\s*\n\s*/g, " ")}\``);
        break;
      case "example":
        tags.push(`@example`, ...entry.lines);
        break;
      default:
        break; // format, enum, constant: said by the type itself
    }
  }
  const body = tidy(prose);
  if (tags.length > 0 && body.length > 0) body.push("");
  body.push(...tags);
  if (body.length === 0) return undefined;
  if (body.length === 1) return `* ${body[0]} `;
  return `*\n${body.map((line) => (line === "" ? " *" : ` * ${line}`)).join("\n")}\n `;
}

/** Makes a string safe to use inside a TSDoc or line comment. */
export function commentSafe(text: string): string {
  return text.replace(/\*\//g, "*\\/");
}
