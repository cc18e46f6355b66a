import { X509Certificate, createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateCertificateAuthority, generateServiceAccountKeys } from "./pki.js";

describe("generateCertificateAuthority", () => {
  it("issues server certificates that verify against the CA, with the requested names", async () => {
    const ca = await generateCertificateAuthority();
    const leaf = await ca.issue({ commonName: "srv", usage: "server", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
    const caCert = new X509Certificate(ca.certPem);
    const cert = new X509Certificate(leaf.certPem);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.keyUsage).toContain("1.3.6.1.5.5.7.3.1");
    expect(createPrivateKey(leaf.keyPem).asymmetricKeyType).toBe("ec");
  });

  it("puts groups into O= of client certificates, as Kubernetes reads them", async () => {
    const ca = await generateCertificateAuthority();
    const leaf = await ca.issue({ commonName: "jane", organizations: ["system:masters", "dev,ops"], usage: "client" });
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.toLegacyObject().subject).toEqual({ CN: "jane", O: ["system:masters", "dev,ops"] });
    expect(cert.keyUsage).toContain("1.3.6.1.5.5.7.3.2");
    const other = await generateCertificateAuthority();
    expect(cert.verify(new X509Certificate(other.certPem).publicKey)).toBe(false);
  });

  it("makes service-account keys in PEM", async () => {
    const keys = await generateServiceAccountKeys();
    expect(keys.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(createPrivateKey(keys.privateKeyPem).type).toBe("private");
  });
});
