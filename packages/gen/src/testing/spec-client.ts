/** Test tooling (not part of the package): a SpecClient that reads the shared control plane with testenv's admin access. */
import { type ControlPlaneAccess, apiRequest } from "@org/k8s-testenv";
import type { SpecClient } from "../fetch-specs.js";

export function adminSpecClient(access: ControlPlaneAccess): SpecClient {
  return {
    server: access.server,
    describe: () => `admin@${access.server}`,
    async fetch(path) {
      const res = await apiRequest(access, "GET", path);
      return new Response(res.text, { status: res.status });
    },
  };
}
