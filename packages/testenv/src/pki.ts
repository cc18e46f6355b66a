// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata polyfill.
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

// ECDSA P-256: key generation takes a millisecond, and kube-apiserver, etcd and Node's TLS all accept it.
const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A PEM certificate with its PEM (PKCS#8) private key. */
export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

/** A certificate authority that can sign leaf certificates. */
export interface CertificateAuthority extends KeyPairPem {
  /** Signs a leaf certificate. */
  issue(request: LeafRequest): Promise<KeyPairPem>;
}

/** What a leaf certificate is for and whom it names. */
export interface LeafRequest {
  /** Common name; for client certificates, the Kubernetes user name. */
  commonName: string;
  /** Organizations; for client certificates, the Kubernetes groups. */
  organizations?: string[];
  usage: "server" | "client";
  /** Subject alternative names for server certificates. */
  dnsNames?: string[];
  ipAddresses?: string[];
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive
  return bytes.toString("hex");
}

function distinguishedName(commonName: string, organizations: string[] = []): string {
  const escape = (value: string) => value.replace(/([,+="\\<>;])/g, "\\$1");
  return [`CN=${escape(commonName)}`, ...organizations.map((o) => `O=${escape(o)}`)].join(", ");
}

/** Generates a throwaway certificate authority valid for ten years (backdated one hour for clock skew). */
export async function generateCertificateAuthority(commonName = "k8s-testenv-ca"): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const notBefore = new Date(Date.now() - 60 * 60 * 1000);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: distinguishedName(commonName),
    notBefore,
    notAfter: new Date(notBefore.getTime() + 3650 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });

  async function issue(request: LeafRequest): Promise<KeyPairPem> {
    const leafKeys = await generateKeys();
    const altNames: x509.JsonGeneralName[] = [
      ...(request.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
      ...(request.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
    ];
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(
        [request.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ];
    if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames, false));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: distinguishedName(request.commonName, request.organizations),
      issuer: caCert.subject,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 365 * DAY_MS),
      signingAlgorithm: ALGORITHM,
      publicKey: leafKeys.publicKey,
      signingKey: keys.privateKey,
      extensions,
    });
    return { certPem: cert.toString("pem"), keyPem: await privateKeyPem(leafKeys.privateKey) };
  }

  return { certPem: caCert.toString("pem"), keyPem: await privateKeyPem(keys.privateKey), issue };
}

/** The key pair kube-apiserver signs and verifies service-account tokens with (PEM: PKCS#8 and SPKI). */
export interface ServiceAccountKeys {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** Generates a {@link ServiceAccountKeys} pair (ECDSA P-256). */
export async function generateServiceAccountKeys(): Promise<ServiceAccountKeys> {
  const keys = await generateKeys();
  const spki = await webcrypto.subtle.exportKey("spki", keys.publicKey);
  return {
    privateKeyPem: await privateKeyPem(keys.privateKey),
    publicKeyPem: x509.PemConverter.encode(spki, "PUBLIC KEY"),
  };
}
