import { type GlobalContext, type OpenAPI3, astToString, resolveRef, transformSchema } from "openapi-typescript";
import ts from "typescript";
import { rewriteDocComment } from "./doc-comments.js";
import { typeName } from "./naming.js";
import type { OpenApiDocument, SchemaObject } from "./openapi.js";
import { referencedSchemas, schemaNamespace, schemaShortName, schemaTypeNames } from "./schemas.js";

/** The module path (relative to the module being emitted) that declares the schemas of a namespace. */
export type ModuleResolver = (namespace: string) => string;

/**
 * openapi-typescript's transform context, as `openapiTS()` builds it from its options. We call its `transformSchema`
 * directly: `openapiTS()` first lints and bundles every document with Redocly, which took a quarter of a generation's
 * time at 200 CRDs and adds nothing here: the documents were checked by validate-document.ts, every `$ref` is local
 * and was checked by schemas.ts, and Kubernetes publishes no `discriminator` (CRD schemas cannot express one).
 *
 * Options Kubernetes documents need (see the project's openapi notes): `default: {}` is everywhere, so
 * defaultNonNullable would make status/metadata required; empty objects are free-form maps, not `never`.
 */
function transformContext(document: OpenAPI3, transform: GlobalContext["transform"], alphabetize: boolean): GlobalContext {
  return {
    additionalProperties: false,
    alphabetize,
    arrayLength: false,
    defaultNonNullable: false,
    discriminators: { objects: {}, refsHandled: [] },
    emptyObjectsUnknown: true,
    enum: false,
    enumValues: false,
    conditionalEnums: false,
    dedupeEnums: false,
    excludeDeprecated: false,
    exportType: false,
    immutable: false,
    injectFooter: [],
    pathParamsAsTypes: false,
    postTransform: undefined,
    propertiesRequiredByDefault: false,
    rootTypes: false,
    rootTypesNoSchemaPrefix: false,
    rootTypesKeepCasing: false,
    // Only openapiTS() itself reads the Redocly config (to lint and bundle); the transforms never do.
    redoc: undefined as unknown as GlobalContext["redoc"],
    silent: true,
    transform,
    transformProperty: undefined,
    makePathsEnum: false,
    generatePathParams: false,
    readWriteMarkers: false,
    resolve: ($ref) => resolveRef(document, $ref, { silent: true }),
  };
}

const STUB = "x-k8s-gen-stub";

/** Names a schema of another module gets locally: its type name, or an alias when that name is taken here. */
class ImportTable {
  readonly #local = new Map<string, string>();
  readonly #byModule = new Map<string, Map<string, string>>();
  readonly #taken: Set<string>;

  constructor(
    taken: Iterable<string>,
    readonly resolve: ModuleResolver,
  ) {
    this.#taken = new Set(taken);
  }

  /** The local name of foreign schema `name`, importing it on first use. */
  local(name: string): string {
    const known = this.#local.get(name);
    if (known) return known;
    const exported = typeName(schemaShortName(name));
    const ns = schemaNamespace(name);
    let local = exported;
    if (this.#taken.has(local)) local = `${exported}_${ns.replace(/[^A-Za-z0-9]+/g, "_")}`;
    this.#taken.add(local);
    this.#local.set(name, local);
    const module = this.resolve(ns);
    if (!this.#byModule.has(module)) this.#byModule.set(module, new Map());
    this.#byModule.get(module)!.set(exported, local);
    return local;
  }

  /** `import type { A, B as B_x } from "./ns.js";` lines, sorted. */
  lines(): string[] {
    return [...this.#byModule.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([module, names]) => {
        const specifiers = [...names.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([exported, local]) => (exported === local ? exported : `${exported} as ${local}`));
        return `import type { ${specifiers.join(", ")} } from ${JSON.stringify(module)};`;
      });
  }
}

/** `components["schemas"]["name"]` → `name`; anything else → undefined. */
function schemaReference(node: ts.Node): string | undefined {
  if (!ts.isIndexedAccessTypeNode(node) || !ts.isLiteralTypeNode(node.indexType) || !ts.isStringLiteral(node.indexType.literal)) return undefined;
  const outer = node.objectType;
  if (!ts.isIndexedAccessTypeNode(outer) || !ts.isTypeReferenceNode(outer.objectType) || !ts.isIdentifier(outer.objectType.typeName)) return undefined;
  if (outer.objectType.typeName.text !== "components") return undefined;
  if (!ts.isLiteralTypeNode(outer.indexType) || !ts.isStringLiteral(outer.indexType.literal) || outer.indexType.literal.text !== "schemas") return undefined;
  return node.indexType.literal.text;
}

/**
 * Rewrites openapi-typescript's output tree: schema references become plain type names (own schemas) or imported
 * ones (other modules), and every doc comment is rewritten as prose (see {@link rewriteDocComment}).
 */
function rewriteTree<T extends ts.Node>(nodes: readonly T[], nameOf: (schema: string) => string): T[] {
  const transformer: ts.TransformerFactory<ts.Node> = (context) => {
    const visit = (node: ts.Node): ts.Node => {
      const schema = schemaReference(node);
      if (schema !== undefined) return ts.factory.createTypeReferenceNode(nameOf(schema));
      const comments = ts.getSyntheticLeadingComments(node);
      if (comments?.length) {
        const rewritten = comments.flatMap((comment) => {
          const text = rewriteDocComment(comment.text);
          return text === undefined ? [] : [{ ...comment, text }];
        });
        ts.setSyntheticLeadingComments(node, rewritten);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (node) => ts.visitNode(node, visit) as ts.Node;
  };
  const result = ts.transform(nodes as unknown as ts.Node[], [transformer]);
  const transformed = result.transformed as unknown as T[];
  result.dispose();
  return transformed;
}

/**
 * openapi-typescript's `alphabetize` order (`localeCompare(b, "en-us", { numeric: true })`), with one collator: its
 * own comparator builds a collator per comparison, which was a tenth of a generation's time at 200 CRDs.
 */
const alphabetical = new Intl.Collator("en-us", { numeric: true }).compare;
const sortedMap = <T>(map: Record<string, T>, value: (item: T) => T): Record<string, T> =>
  Object.fromEntries(Object.keys(map).sort(alphabetical).map((key) => [key, value(map[key]!)]));

/** A schema with its properties in alphabetical order (what openapi-typescript's `alphabetize` would do). */
function alphabetized(node: SchemaObject): SchemaObject {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return node;
  const copy: SchemaObject = { ...node };
  if (copy.properties) copy.properties = sortedMap(copy.properties, alphabetized);
  if (copy.patternProperties) copy.patternProperties = sortedMap(copy.patternProperties as Record<string, SchemaObject>, alphabetized);
  if (copy.items) copy.items = alphabetized(copy.items);
  if (copy.additionalProperties && typeof copy.additionalProperties === "object") copy.additionalProperties = alphabetized(copy.additionalProperties);
  for (const key of ["allOf", "anyOf", "oneOf"] as const) if (copy[key]) copy[key] = copy[key].map(alphabetized);
  return copy;
}

/**
 * openapi-typescript's output tree for a document. Schema modules come in alphabetical order already (see
 * {@link alphabetized}); paths modules are few and small and use openapi-typescript's own `alphabetize`, which
 * also orders the parameters it merges from path items and operations.
 */
function openapiAst(document: OpenApiDocument, sorted = false): { nodes: ts.Node[]; foreign: Set<string> } {
  const own = document.components?.schemas ?? {};
  const foreign = new Set([...referencedSchemas(document)].filter((name) => !(name in own)));
  // Schemas of other modules get a stub definition, so the document resolves; the stubs are dropped afterwards.
  const withStubs: OpenApiDocument = {
    ...document,
    components: { schemas: { ...own, ...Object.fromEntries([...foreign].sort().map((name) => [name, { [STUB]: true }])) } },
  };
  const openapi = withStubs as unknown as OpenAPI3;
  const nodes = transformSchema(
    openapi,
    transformContext(openapi, (schema) => ((schema as SchemaObject)[STUB] === true ? ts.factory.createKeywordTypeNode(ts.SyntaxKind.UnknownKeyword) : undefined), !sorted),
  );
  return { nodes, foreign };
}

function interfaceNamed(nodes: readonly ts.Node[], name: string): ts.InterfaceDeclaration | undefined {
  return nodes.find((node): node is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(node) && node.name.text === name);
}

const print = (nodes: ts.Node[]) => astToString(nodes).trimEnd();
const exportModifier = () => [ts.factory.createModifier(ts.SyntaxKind.ExportKeyword)];

/**
 * The TypeScript module of one schema namespace (`io.k8s.api.apps.v1`): one exported interface (or type, for
 * non-object schemas such as `Quantity`) per schema, named by its short name (`Deployment`), with schemas of other
 * namespaces imported by name. Named declarations are what editors and compiler messages show (`Container`, not its
 * expanded structure), and they are cheaper to check than indexed accesses into one large `components` interface.
 */
export function emitSchemaModule(namespace: string, schemas: ReadonlyMap<string, SchemaObject>, resolve: ModuleResolver): string {
  const ownNames = schemaTypeNames(namespace, schemas.keys());
  const sorted = sortedMap(Object.fromEntries(schemas), alphabetized);
  const { nodes } = openapiAst({ openapi: "3.0.0", info: { title: namespace, version: "" }, paths: {}, components: { schemas: sorted } }, true);
  const imports = new ImportTable(ownNames.values(), resolve);
  const members = schemaMembers(nodes);
  const declarations: ts.Node[] = [];
  for (const member of members) {
    const schemaName = (member.name as ts.StringLiteral).text;
    const own = ownNames.get(schemaName);
    if (own === undefined || !member.type) continue; // a stub of another module's schema
    const declaration = ts.isTypeLiteralNode(member.type)
      ? ts.factory.createInterfaceDeclaration(exportModifier(), own, undefined, undefined, member.type.members)
      : ts.factory.createTypeAliasDeclaration(exportModifier(), own, undefined, member.type);
    const comments = ts.getSyntheticLeadingComments(member);
    if (comments) ts.setSyntheticLeadingComments(declaration, comments);
    declarations.push(declaration);
  }
  const rewritten = rewriteTree(declarations, (schema) => ownNames.get(schema) ?? imports.local(schema));
  const importLines = imports.lines();
  return `${importLines.length ? `${importLines.join("\n")}\n\n` : ""}${print(rewritten)}\n`;
}

function schemaMembers(nodes: readonly ts.Node[]): ts.PropertySignature[] {
  const components = interfaceNamed(nodes, "components");
  const schemas = components?.members.find(
    (member): member is ts.PropertySignature => ts.isPropertySignature(member) && ts.isIdentifier(member.name) && member.name.text === "schemas",
  );
  if (!schemas?.type || !ts.isTypeLiteralNode(schemas.type)) return [];
  return schemas.type.members.filter((member): member is ts.PropertySignature => ts.isPropertySignature(member) && ts.isStringLiteral(member.name));
}

/**
 * The typed paths of one group-version for openapi-fetch (`paths` and `operations`), with every schema imported by
 * name from the schema modules.
 */
export function emitPathsModule(document: OpenApiDocument, resolve: ModuleResolver): string {
  const { nodes } = openapiAst(document);
  const kept = ["paths", "operations"].flatMap((name) => {
    const node = interfaceNamed(nodes, name);
    return node ? [node] : [];
  });
  const imports = new ImportTable(["paths", "operations"], resolve);
  const rewritten = rewriteTree(kept, (schema) => imports.local(schema));
  const importLines = imports.lines();
  return `${importLines.length ? `${importLines.join("\n")}\n\n` : ""}${print(rewritten)}\n`;
}
