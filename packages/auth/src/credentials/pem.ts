/**
 * Certificates and keys checked as client-go checks them when it builds a transport: the CA bundle as
 * `x509.CertPool.AppendCertsFromPEM` (at least one certificate must parse), a client pair as `tls.X509KeyPair`
 * (a certificate, a private key, and the key must belong to the certificate). Messages follow Go's and never
 * contain the material.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";

/** One PEM block as Go's `pem.Decode` finds it. */
export interface PemBlock {
  type: string;
  hasHeaders: boolean;
  der: Buffer;
}

const BEGIN = "-----BEGIN ";
const END = "\n-----END ";

/**
 * Every PEM block in `data`, with Go's `pem.Decode` rules (text around and between blocks is skipped, a malformed
 * block is skipped). Linear: the next END marker is searched at most once per position.
 */
export function pemBlocks(data: string | Buffer): PemBlock[] {
  const text = typeof data === "string" ? data : data.toString("latin1");
  const blocks: PemBlock[] = [];
  let nextEnd = -2; // the next END marker at or after the current block (-2: not searched yet, -1: there is none)
  let pos = 0;
  while (pos < text.length) {
    let begin: number;
    if (pos === 0 && text.startsWith(BEGIN)) begin = 0;
    else {
      const found = text.indexOf(`\n${BEGIN}`, pos === 0 ? 0 : pos - 1);
      if (found < 0) break;
      begin = found + 1;
    }
    const typeStart = begin + BEGIN.length;
    const lineEnd = text.indexOf("\n", typeStart);
    pos = lineEnd < 0 ? text.length : lineEnd + 1;
    const typeLine = text.slice(typeStart, lineEnd < 0 ? text.length : lineEnd).replace(/[ \t\r]+$/, "");
    if (!typeLine.endsWith("-----")) continue;
    const type = typeLine.slice(0, -5);
    // Headers: `Key: value` lines right after the type line.
    let body = pos;
    let hasHeaders = false;
    for (;;) {
      const next = text.indexOf("\n", body);
      const line = text.slice(body, next < 0 ? text.length : next);
      if (!line.includes(":") || next < 0) break;
      hasHeaders = true;
      body = next + 1;
    }
    let end: number;
    if (!hasHeaders && text.startsWith(END.slice(1), body)) end = body - 1;
    else {
      if (nextEnd === -2 || (nextEnd >= 0 && nextEnd < body - 1)) nextEnd = text.indexOf(END, Math.max(0, body - 1));
      if (nextEnd === -1) break;
      end = nextEnd;
    }
    const trailerStart = end + END.length;
    const trailer = `${type}-----`;
    if (!text.startsWith(trailer, trailerStart)) continue;
    const afterTrailer = text.indexOf("\n", trailerStart);
    const restOfLine = text.slice(trailerStart + trailer.length, afterTrailer < 0 ? text.length : afterTrailer);
    if (restOfLine.trim() !== "") continue;
    const base64 = text.slice(body, Math.max(body, end)).replace(/[ \t\r\n]/g, "");
    if (base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) continue;
    blocks.push({ type, hasHeaders, der: Buffer.from(base64, "base64") });
    pos = afterTrailer < 0 ? text.length : afterTrailer + 1;
  }
  return blocks;
}

/** Why a CA bundle cannot be used, as client-go's `rootCertPool` says it; undefined when it can. */
export function caBundleProblem(pem: string | Buffer): string | undefined {
  const blocks = pemBlocks(pem);
  let firstFailure: string | undefined;
  for (const block of blocks) {
    if (block.type !== "CERTIFICATE" || block.hasHeaders) continue;
    try {
      new X509Certificate(block.der);
      return undefined; // one certificate is enough (the others are skipped, as Go does)
    } catch (error) {
      firstFailure ??= `failed to parse certificate: ${(error as Error).message.replace(/^error:[0-9A-F]+:/, "")}`;
    }
  }
  if (blocks.length === 0) return "unable to parse bytes as PEM block";
  return firstFailure ?? "no valid certificate authority data seen";
}

function parsePrivateKey(der: Buffer): KeyObject | undefined {
  for (const type of ["pkcs1", "pkcs8", "sec1"] as const) {
    try {
      return createPrivateKey({ key: der, format: "der", type });
    } catch {
      // try the next encoding, as Go's parsePrivateKey does
    }
  }
  return undefined;
}

/** Why a client certificate and key cannot be used together, as Go's `tls.X509KeyPair` says it; undefined if they can. */
export function keyPairProblem(certPem: string | Buffer, keyPem: string | Buffer): string | undefined {
  const certBlocks = pemBlocks(certPem);
  const certificates = certBlocks.filter((b) => b.type === "CERTIFICATE");
  if (certificates.length === 0) {
    const skipped = certBlocks.map((b) => b.type);
    if (skipped.length === 0) return "tls: failed to find any PEM data in certificate input";
    if (skipped.length === 1 && skipped[0]!.endsWith("PRIVATE KEY")) {
      return "tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched";
    }
    return `tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${skipped.join(" ")}]`;
  }
  const keyBlocks = pemBlocks(keyPem);
  const keyIndex = keyBlocks.findIndex((b) => b.type === "PRIVATE KEY" || b.type.endsWith(" PRIVATE KEY"));
  if (keyIndex < 0) {
    const skipped = keyBlocks.map((b) => b.type);
    if (skipped.length === 0) return "tls: failed to find any PEM data in key input";
    if (skipped.length === 1 && skipped[0] === "CERTIFICATE") return "tls: found a certificate rather than a key in the PEM for the private key";
    return `tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${skipped.join(" ")}]`;
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificates[0]!.der);
  } catch (error) {
    return `x509: malformed certificate (${(error as Error).message.replace(/^error:[0-9A-F]+:/, "")})`;
  }
  const key = parsePrivateKey(keyBlocks[keyIndex]!.der);
  if (!key) return "tls: failed to parse private key";
  let matches = false;
  try {
    matches = certificate.checkPrivateKey(key);
  } catch {
    matches = false;
  }
  if (!matches) {
    return certificate.publicKey.asymmetricKeyType !== key.asymmetricKeyType
      ? "tls: private key type does not match public key type"
      : "tls: private key does not match public key";
  }
  return undefined;
}
