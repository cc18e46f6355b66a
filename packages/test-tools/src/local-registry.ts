import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { basename } from "node:path";

/** One package the registry serves: its manifest as packed, and where its tarball is. */
export interface RegistryPackage {
  name: string;
  version: string;
  tarball: string;
  manifest: Record<string, unknown>;
}

/** A registry on a loopback port that serves packed tarballs, for apps that install them as users do. */
export interface LocalRegistry {
  /** `http://127.0.0.1:PORT/`: put `@org:registry=<url>` in an app's `.npmrc`. */
  readonly url: string;
  /** The served packages by name. */
  readonly packages: ReadonlyMap<string, RegistryPackage>;
  /** Every request path, in order (metadata and tarballs). */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

/** The `package.json` inside a tarball made by `npm pack` / `pnpm pack` (under `package/`). */
function packedManifest(tarball: string): Record<string, unknown> {
  const text = execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8", maxBuffer: 16 * 2 ** 20 });
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * Starts a registry that serves the given tarballs under their own names: the packument npm and pnpm read
 * (`GET /@org%2fk8s-core`, with `dist.tarball`, `integrity` and `shasum`) and the tarball. Everything else is a 404,
 * so an app whose `.npmrc` sends only the `@org` scope here gets every other package from the real registry.
 * Only what the tests need: one version per package, no publishing, no authentication.
 */
export async function startLocalRegistry(tarballs: readonly string[]): Promise<LocalRegistry> {
  const packages = new Map<string, RegistryPackage>();
  const files = new Map<string, Buffer>();
  for (const tarball of tarballs) {
    const manifest = packedManifest(tarball);
    const name = String(manifest.name);
    packages.set(name, { name, version: String(manifest.version), tarball, manifest });
    files.set(basename(tarball), readFileSync(tarball));
  }
  const requests: string[] = [];
  let url = "";

  const packument = (pkg: RegistryPackage) => {
    const bytes = files.get(basename(pkg.tarball))!;
    return {
      name: pkg.name,
      "dist-tags": { latest: pkg.version },
      versions: {
        [pkg.version]: {
          ...pkg.manifest,
          _id: `${pkg.name}@${pkg.version}`,
          dist: {
            tarball: `${url}-/${encodeURIComponent(basename(pkg.tarball))}`,
            integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
            shasum: createHash("sha1").update(bytes).digest("hex"),
          },
        },
      },
    };
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]!);
    requests.push(path);
    const send = (status: number, body: string | Buffer, type: string) => {
      res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, '{"error":"read-only registry"}', "application/json");
    if (path.startsWith("/-/")) {
      const bytes = files.get(path.slice(3));
      return bytes ? send(200, bytes, "application/octet-stream") : send(404, '{"error":"no such tarball"}', "application/json");
    }
    const pkg = packages.get(path.slice(1));
    if (!pkg) return send(404, '{"error":"not found"}', "application/json");
    send(200, JSON.stringify(packument(pkg)), "application/json");
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    packages,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
