/**
 * `@org/k8s-gen`: generates typed Kubernetes clients from a cluster's `/openapi/v3`.
 *
 * @packageDocumentation
 */
export { generate } from "./generate.js";
export type { GenerateOptions, GenerateResult } from "./generate.js";
export { fetchSpecs, ClusterRequestError } from "./fetch-specs.js";
export type { FetchProgress, FetchSpecsOptions, SpecClient } from "./fetch-specs.js";
export { readSavedSpecs, saveSpecs } from "./spec-source.js";
export type { GroupFilter } from "./spec-source.js";
export { DEFAULT_RUNTIME_IMPORT, generateFiles } from "./emit-modules.js";
export type { GeneratedFiles } from "./emit-modules.js";
export type { OutputDiff } from "./write-output.js";
export { EXIT, GenError } from "./errors.js";
