import openapiTS, { astToString, type OpenAPITSOptions } from "openapi-typescript";
import ts from "typescript";
import type { OpenApiDocument, SchemaObject } from "./openapi.js";
import { referencedSchemas, schemaNamespace, schemaShortName } from "./schemas.js";

/** Resolves a schema name to the module path that declares it, relative to the module being emitted. */
export type ModuleResolver = (namespace: string) => string | undefined;

// Options Kubernetes documents need (see the project's openapi notes): `default: {}` is everywhere, so
// defaultNonNullable would make status/metadata required; empty objects are free-form maps, not `never`.
const BASE_OPTIONS: OpenAPITSOptions = {
  defaultNonNullable: false,
  emptyObjectsUnknown: true,
  alphabetize: true,
  enum: false,
  exportType: false,
  rootTypes: false,
};

const STUB = "x-k8s-gen-stub";

/**
 * Runs openapi-typescript over a document whose schemas live in several modules. References to schemas of other
 * modules get a stub definition (so the document resolves), and in the output each `components["schemas"][name]`
 * of another module becomes `import("module").ShortName`, while the stubs themselves are dropped.
 */
export async function emitOpenApiTypes(document: OpenApiDocument, resolve: ModuleResolver): Promise<string> {
  const own = document.components?.schemas ?? {};
  const foreign = [...referencedSchemas(document)].filter((name) => !(name in own)).sort();
  const withStubs: OpenApiDocument = {
    ...document,
    components: { schemas: { ...own, ...Object.fromEntries(foreign.map((name) => [name, { [STUB]: true }])) } },
  };
  const ast = await openapiTS(withStubs as unknown as Parameters<typeof openapiTS>[0], {
    ...BASE_OPTIONS,
    transform(schema) {
      return (schema as SchemaObject)[STUB] === true ? ts.factory.createKeywordTypeNode(ts.SyntaxKind.UnknownKeyword) : undefined;
    },
  });
  const foreignSet = new Set(foreign);
  return astToString(ast)
    .split("\n")
    .filter((line) => {
      const stub = /^\s+"([^"]+)": unknown;$/.exec(line);
      return !(stub && foreignSet.has(stub[1]!));
    })
    .join("\n")
    .replace(/components\["schemas"\]\["([^"]+)"\]/g, (whole, name: string) => {
      if (!foreignSet.has(name)) return whole;
      const modulePath = resolve(schemaNamespace(name));
      return modulePath === undefined ? schemaShortName(name) : `import("${modulePath}").${schemaShortName(name)}`;
    });
}

/** Makes a string safe to use inside a TSDoc or line comment. */
export function commentSafe(text: string): string {
  return text.replace(/\*\//g, "*\\/");
}
