import { host } from "./host.js";

/** This SDK's version, as published (a unit test keeps it equal to package.json). */
export const SDK_VERSION = "0.1.0";

/** Node's `process.arch` in Go's words, which Kubernetes components log and match on (`amd64`, not `x64`). */
const GO_ARCH: Record<string, string> = { x64: "amd64", ia32: "386", arm: "arm", arm64: "arm64", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", loong64: "loong64" };

/** The running program's name: the main script without directory and extension (client-go: `os.Args[0]`'s base). */
function programName(): string {
  const script = host.argv?.[1];
  if (!script) return "node";
  const base = script.split(/[\\/]/).pop() ?? "";
  return base.replace(/\.(?:[cm]?js|[cm]?ts)$/, "") || "node";
}

/**
 * The default `User-Agent`, shaped as client-go's `DefaultKubernetesUserAgent`
 * (`<command>/<version> (<os>/<arch>) kubernetes/<commit>`): `my-controller/unknown (linux/amd64) k8s-sdk-ts/0.1.0`.
 * The program's own version is not known to a library, so it says `unknown` (as client-go does for an empty one);
 * set `userAgent` to name your app and version.
 */
export function defaultUserAgent(): string {
  const arch = host.arch ?? "unknown";
  return `${programName()}/unknown (${host.platform ?? "unknown"}/${GO_ARCH[arch] ?? arch}) k8s-sdk-ts/${SDK_VERSION}`;
}
