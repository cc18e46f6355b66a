/**
 * Error kinds that survive duplicate copies of a package. The ESM and CJS builds of one package (or two installed
 * copies) each have their own classes, so `instanceof` alone would say a `KubernetesError` thrown by one is not a
 * `KubernetesError` of the other. Each class instead records its kind (and its parents') on its prototype under a
 * `Symbol.for` key shared by every copy, and `instanceof` and the `is*` guards read that record.
 */

const KINDS = Symbol.for("@org/k8s-sdk.errorKinds");

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Gives an error class its kind: `name` on the prototype (so stacks and `String(error)` say `KubeconfigError: ...`),
 * the kind record read by {@link hasErrorKind}, and an `instanceof` that checks that record. Call it once per class,
 * from a `static {}` block. For packages that define errors of this SDK (`@org/k8s-auth` does).
 */
export function defineErrorKind(errorClass: ErrorClass, kind: string): void {
  const prototype = errorClass.prototype as Error & { [KINDS]?: readonly string[] };
  const inherited = (Object.getPrototypeOf(prototype) as { [KINDS]?: readonly string[] })[KINDS] ?? [];
  Object.defineProperty(prototype, KINDS, { value: Object.freeze([...inherited, kind]) });
  Object.defineProperty(prototype, "name", { value: kind, writable: true, configurable: true });
  Object.defineProperty(errorClass, Symbol.hasInstance, { value: (value: unknown) => hasErrorKind(value, kind) });
}

/** Whether `value` is an error of `kind` (or of a kind derived from it), from whichever copy of the package. */
export function hasErrorKind(value: unknown, kind: string): boolean {
  if (typeof value !== "object" || value === null) return false;
  const kinds = (value as { [KINDS]?: unknown })[KINDS];
  return Array.isArray(kinds) && kinds.includes(kind);
}
