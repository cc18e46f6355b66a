/** Merges `--name=value` flags: an override replaces every default flag of the same name. */
export function mergeFlags(defaults: string[], overrides: string[]): string[] {
  const nameOf = (flag: string) => flag.split("=", 1)[0];
  const overridden = new Set(overrides.map(nameOf));
  return [...defaults.filter((flag) => !overridden.has(nameOf(flag))), ...overrides];
}
