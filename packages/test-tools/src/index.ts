/**
 * `@org/k8s-test-tools`: test tooling that is never shipped. See README.md.
 *
 * @packageDocumentation
 */
export { FaultProxy, startFaultProxy } from "./fault-proxy.js";
export type { Fault, FaultProxyOptions, FaultRule, InstalledRule, RecordedRequest, RequestMatcher } from "./fault-proxy.js";
export { startLocalRegistry } from "./local-registry.js";
export type { LocalRegistry, RegistryPackage } from "./local-registry.js";
export { startConnectProxy, startSocks5Proxy } from "./proxies.js";
export type { TestProxy } from "./proxies.js";
