// Credentials go only to the configured server: a request for any other origin is refused before a socket is opened,
// so a second HTTPS server on loopback sees neither the bearer token nor the client certificate.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateCertificateAuthority } from "@org/k8s-testenv";
import { writeKubeconfig } from "../../../scripts/vitest/test-connection.js";
import { isConnectionError } from "./connection.js";
import { loadConnection } from "./load-connection.js";
import type { Connection } from "./types.js";

const cp = inject("controlPlane");
const b64 = (s: string) => Buffer.from(s).toString("base64");
let dir: string;
let other: { origin: string; caPem: string; handshakes: number; peerCertificates: number; authorizations: string[]; close(): Promise<void> };
let connection: Connection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "auth-origin-"));
  const ca = await generateCertificateAuthority("other-server-ca");
  const leaf = await ca.issue({ commonName: "other", usage: "server", ipAddresses: ["127.0.0.1"] });
  // It asks every client for a certificate and records what it gets.
  const server = createServer({ cert: leaf.certPem, key: leaf.keyPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    state.authorizations.push(req.headers.authorization ?? "");
    res.end("{}");
  });
  const state = { handshakes: 0, peerCertificates: 0, authorizations: [] as string[] };
  server.on("secureConnection", (socket: TLSSocket) => {
    state.handshakes++;
    if (Object.keys(socket.getPeerCertificate() ?? {}).length > 0) state.peerCertificates++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  other = Object.assign(state, {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caPem: ca.certPem,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
  const file = writeKubeconfig(join(dir, "both.yaml"), {
    server: cp.server,
    caPem: cp.caPem,
    user: { token: cp.adminToken.token, "client-certificate-data": b64(cp.admin.certPem), "client-key-data": b64(cp.admin.keyPem) },
  });
  connection = await loadConnection({ kubeconfig: file, env: { HOME: dir } });
});
afterAll(async () => {
  await connection.close();
  await other.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("requests only to the configured server's origin", () => {
  it("refuses every way of naming another origin; the other server sees no connection, token or certificate", async () => {
    const port = new URL(cp.server).port;
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ["request(string)", () => connection.request(`${other.origin}/api/v1/secrets`)],
      ["fetch(string)", () => connection.fetch(`${other.origin}/api`)],
      ["fetch(URL)", () => connection.fetch(new URL(`${other.origin}/api`))],
      ["fetch(Request)", () => connection.fetch(new Request(`${other.origin}/api`, { method: "POST", body: "{}" }))],
      ["another scheme on the server's own host and port", () => connection.request(`http://127.0.0.1:${port}/api`)],
      ["another port on the server's own host", () => connection.request(`https://127.0.0.1:${Number(port) + 1}/api`)],
      ["a name for the same address", () => connection.request(`https://localhost:${port}/api`)],
    ];
    for (const [what, attempt] of attempts) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isConnectionError(error), what).toBe(true);
      expect(error, what).toMatchObject({ code: "ERR_FOREIGN_ORIGIN", retryable: false });
      expect((error as Error).message, what).toMatch(/^refusing to send \w+ \S+ through the connection to https:\/\/127\.0\.0\.1:\d+: its credentials go only to the configured server's origin/);
      expect((error as Error).message, what).not.toContain(cp.adminToken.token);
    }
    expect(other).toMatchObject({ handshakes: 0, peerCertificates: 0, authorizations: [] });
  });

  it("the configured server still gets relative and same-origin absolute URLs", async () => {
    expect((await connection.fetch("/version")).status).toBe(200);
    expect((await connection.request(`${cp.server}/version`)).status).toBe(200);
    expect((await connection.fetch(new URL(`${cp.server}/api`))).status).toBe(200);
  });

  it("control: the second server does record a token and a certificate when a client sends them", async () => {
    const before = { handshakes: other.handshakes, peerCertificates: other.peerCertificates };
    await new Promise<void>((resolve, reject) => {
      const req = httpsRequest(`${other.origin}/probe`, { ca: other.caPem, cert: cp.admin.certPem, key: cp.admin.keyPem, headers: { authorization: "Bearer probe" }, agent: false }, (res) => {
        res.resume();
        res.once("end", resolve);
      });
      req.once("error", reject);
      req.end();
    });
    expect(other.handshakes).toBe(before.handshakes + 1);
    expect(other.peerCertificates).toBe(before.peerCertificates + 1);
    expect(other.authorizations).toEqual(["Bearer probe"]);
  });
});
