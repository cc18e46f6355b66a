// A TypeDoc plugin: modules are named as users import them (`@org/k8s-core`, `@org/k8s-core/apps/v1`) instead of by
// their paths in the repository (`core/src`, `core/src/generated/apps/v1`), which TypeDoc derives by default.
import { Converter, ReflectionKind } from "typedoc";

/** `core/src` → `@org/k8s-core`; `core/src/generated/apps/v1` → `@org/k8s-core/apps/v1`; `core/src/runtime` → `@org/k8s-core/runtime`. */
export function importPath(name) {
  const match = /^(auth|runtime|core|gen|testenv|controller)\/src(?:\/(?:generated\/)?(.+?))?(?:\/index)?$/.exec(name);
  if (!match) return undefined;
  return match[2] ? `@org/k8s-${match[1]}/${match[2]}` : `@org/k8s-${match[1]}`;
}

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const renamed = importPath(module.name);
      if (!renamed) throw new Error(`typedoc-plugin: no import path for the module ${module.name}`);
      module.name = renamed;
    }
  });
}
