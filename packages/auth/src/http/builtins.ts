/**
 * Node built-ins that are slow to load as ES modules. An ESM `import` of a built-in builds its namespace by reading
 * every export, getters included: on Node 24 `http.WebSocket` loads Node's internal undici and `tls.rootCertificates`
 * parses the whole CA store (together ~35 ms of a ~190 ms cold start, measured with `pnpm bench --only cold`).
 * `process.getBuiltinModule` (Node >= 20.16) returns the plain exports object, so those getters run only if used.
 */
export const http = process.getBuiltinModule("node:http");
export const https = process.getBuiltinModule("node:https");
export const tls = process.getBuiltinModule("node:tls");
export const crypto = process.getBuiltinModule("node:crypto");
