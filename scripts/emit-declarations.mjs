#!/usr/bin/env node
// Emits a package's declaration files with the TypeScript compiler, one per source module under dist/ (the layout of
// src/), and a CommonJS twin of each (`.d.cts`, whose relative imports name `.cjs` files) for the `require`
// condition. tsup's bundled declarations are not used: its bundler rewrote `export type *` re-exports into value
// declarations that fail under `skipLibCheck: false`, and a bundle hides which module declares what.
//
//   node ../../scripts/emit-declarations.mjs      (run in a package directory, after tsup)
import { readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const pkg = process.cwd();
const src = join(pkg, "src");
const out = join(pkg, "dist");
const TEST_FILE = /\.(test|int\.test|test-helper)\.ts$/;
const TEST_DIR = /(^|\/)(test|testing|differential)(\/|$)/;

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    const rel = relative(src, path);
    if (entry.isDirectory()) return TEST_DIR.test(rel) ? [] : sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && !TEST_FILE.test(entry.name) ? [path] : [];
  });
}

const configPath = ts.findConfigFile(pkg, ts.sys.fileExists, "tsconfig.json");
const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail([d]) });
const options = {
  ...config.options,
  noEmit: false,
  declaration: true,
  emitDeclarationOnly: true,
  declarationMap: false,
  sourceMap: false,
  rootDir: src,
  outDir: out,
};

// In a CommonJS declaration, relative imports must name the CommonJS files (`./x.cjs` resolves to `./x.d.cts`).
const toCommonJs = (text) => text.replace(/((?:from\s+|import\s*\(\s*)["'])(\.\.?\/[^"']*?)\.js(["'])/g, "$1$2.cjs$3");

let files = 0;
const program = ts.createProgram(sources(src), options);
const emitted = program.emit(
  undefined,
  (fileName, text) => {
    mkdirSync(dirname(fileName), { recursive: true });
    writeFileSync(fileName, text);
    writeFileSync(fileName.replace(/\.d\.ts$/, ".d.cts"), toCommonJs(text));
    files++;
  },
  undefined,
  true,
);
const diagnostics = [...program.getDeclarationDiagnostics(), ...emitted.diagnostics];
if (diagnostics.length > 0 || emitted.emitSkipped) fail(diagnostics);
process.stderr.write(`[declarations] ${relative(resolve(pkg, "../.."), pkg)}: ${files} modules (.d.ts + .d.cts)\n`);

function fail(list) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => pkg, getNewLine: () => "\n" };
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(list, host));
  process.exit(1);
}
