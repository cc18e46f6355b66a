import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";

const README = fileURLToPath(new URL("../../README.md", import.meta.url));

/** The ```ts blocks of a README (default: the repository's) whose first line is `// <marker>: <name>`, by name. */
export function readmeExamples(marker: string, readme: string = README): Map<string, string> {
  const examples = new Map<string, string>();
  const pattern = new RegExp(`\`\`\`ts\\n// ${marker}: ([\\w-]+)\\n([\\s\\S]*?)\`\`\``, "g");
  for (const match of readFileSync(readme, "utf8").matchAll(pattern)) examples.set(match[1]!, match[2]!);
  return examples;
}

/** Transpiles an example to an ES module in `workDir` and returns its path. */
export function writeRunnableExample(workDir: string, name: string, source: string): string {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = join(workDir, `${name}.mjs`);
  writeFileSync(file, js);
  return file;
}

/** Type-checks the examples under --strict as a user's NodeNext project would; returns tsc's complaints ("" if none). */
export async function typecheckExamples(workDir: string, examples: Map<string, string>): Promise<string> {
  for (const [name, source] of examples) writeFileSync(join(workDir, `${name}.mts`), source);
  writeFileSync(
    join(workDir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", types: ["node"], skipLibCheck: true }, include: ["*.mts"] }),
  );
  const tsc = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));
  return promisify(execFile)(process.execPath, [tsc, "-p", workDir]).then(
    () => "",
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
}
