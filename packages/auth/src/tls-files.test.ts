import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CertificateAuthority, generateCertificateAuthority } from "@org/k8s-testenv";
import { loadConnection } from "./load-connection.js";
import { type Scratch, scratch, simpleConfig } from "./testing/tmp.js";

let s: Scratch;
let ca: CertificateAuthority;
let server: Server;
let origin: string;
const clients: string[] = [];

beforeAll(async () => {
  s = scratch();
  ca = await generateCertificateAuthority("tls-files-test");
  const serving = await ca.issue({ commonName: "server", usage: "server", ipAddresses: ["127.0.0.1"] });
  server = createServer({ ca: ca.certPem, cert: serving.certPem, key: serving.keyPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    clients.push((req.socket as TLSSocket).getPeerCertificate().subject.CN as string);
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  s.remove();
});

describe("TLS files", () => {
  it("client certificate files are re-read (at most once a second), as client-go", async () => {
    const one = await ca.issue({ commonName: "one", usage: "client" });
    const two = await ca.issue({ commonName: "two", usage: "client" });
    s.write("ca.crt", ca.certPem);
    s.write("client.crt", one.certPem);
    s.write("client.key", one.keyPem);
    const file = s.kubeconfig("config", simpleConfig({ "client-certificate": "client.crt", "client-key": "client.key" }, { server: origin, "certificate-authority": "ca.crt" }));
    const connection = await loadConnection({ kubeconfig: file, env: s.env() });
    expect(await (await connection.fetch("/")).text()).toBe("ok");
    s.write("client.crt", two.certPem);
    s.write("client.key", two.keyPem);
    await (await connection.fetch("/")).text(); // within the second: the old pair
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await (await connection.fetch("/")).text();
    expect(clients).toEqual(["one", "one", "two"]);
    expect(connection.tls.cert).toBe(two.certPem);
    await connection.close();
  });
});
