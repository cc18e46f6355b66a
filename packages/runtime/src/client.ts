import createFetchClient, { type Client as FetchClient } from "openapi-fetch";
import { type KindMap, ObjectClient } from "./objects.js";
import { ResourceClient } from "./resource-client.js";
import { RestMapper } from "./rest-mapper.js";
import { type SubresourceHelpers, attachSubresources } from "./subresources.js";
import { type CallOptions, type HttpConnection, type RequestSpec, Transport, type TransportOptions } from "./transport.js";
import type { DynamicObject, KubernetesList, KubernetesObject, ResourceDescriptor } from "./types.js";

/** A typed client for one resource, with the subresource helpers its descriptor declares. */
export type TypedResourceClient<D> = D extends ResourceDescriptor<infer T, infer L, infer N> ? ResourceClient<T, L, N> & SubresourceHelpers<D> : never;

/** The untyped client of {@link KubeClient.dynamic}. */
export type DynamicResourceClient = ResourceClient<DynamicObject, KubernetesList<DynamicObject>, boolean>;

/** `GET /version`. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit?: string;
  platform?: string;
  [field: string]: unknown;
}

/** One resource of a discovery document (`APIResourceList`). */
export interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  group?: string;
  version?: string;
}

/** Discovery: what the server serves. */
export interface Discovery {
  /** `GET /version`. */
  version(options?: CallOptions): Promise<VersionInfo>;
  /** `GET /api` (core versions) and `GET /apis` (groups), as the server sends them. */
  groups(options?: CallOptions): Promise<{ core: { versions: string[] }; groups: Array<{ name: string; versions: Array<{ groupVersion: string; version: string }>; preferredVersion?: { groupVersion: string; version: string } }> }>;
  /** The resources of one group-version (`GET /api/v1`, `GET /apis/apps/v1`). */
  resources(group: string, version: string, options?: CallOptions): Promise<ApiResource[]>;
}

/** A client for one API server, shared by every resource client made from it. */
export class KubeClient {
  readonly transport: Transport;
  readonly connection: HttpConnection;
  #mapper: RestMapper | undefined;

  constructor(connection: HttpConnection, options?: TransportOptions) {
    this.connection = connection;
    this.transport = new Transport(connection, options);
  }

  /** Maps `apiVersion` + `kind` to resources from the server's discovery (cached; read again once on a miss). */
  get mapper(): RestMapper {
    return (this.#mapper ??= new RestMapper(this.transport));
  }

  /**
   * Verbs on any object by `apiVersion` and `kind`. `descriptors` are the generated ones to prefer over discovery;
   * `Known` maps `"apps/v1/Deployment"`-style keys to their types (`@org/k8s-core` passes its own).
   */
  objects<Known extends KindMap = KindMap>(descriptors?: Iterable<ResourceDescriptor>): ObjectClient<Known> {
    return new ObjectClient<Known>(this, descriptors);
  }

  /** A typed client for a generated resource descriptor: `client.resource(deployments)`. */
  resource<D extends ResourceDescriptor<KubernetesObject, KubernetesList<KubernetesObject>, boolean>>(descriptor: D): TypedResourceClient<D> {
    const client = new ResourceClient<KubernetesObject, KubernetesList<KubernetesObject>, boolean>(this.transport, descriptor);
    attachSubresources(client);
    return client as unknown as TypedResourceClient<D>;
  }

  /**
   * An untyped client for any group/version/resource, with the same verbs: for kinds that were not generated.
   * `namespaced` must be said, or read from {@link KubeClient.discovery}.
   */
  dynamic(gvr: { group: string; version: string; plural: string; kind?: string | undefined; namespaced: boolean }): DynamicResourceClient {
    const client = new ResourceClient<DynamicObject, KubernetesList<DynamicObject>, boolean>(this.transport, {
      group: gvr.group,
      version: gvr.version,
      plural: gvr.plural,
      kind: gvr.kind ?? gvr.plural,
      namespaced: gvr.namespaced,
      verbs: [],
      patchTypes: [],
      subresources: {},
    });
    return client;
  }

  /** Discovery documents and the server version. */
  get discovery(): Discovery {
    const get = <R>(path: string, options?: CallOptions) => this.transport.json<R>({ method: "GET", path, ...options });
    return {
      version: (options) => get<VersionInfo>("/version", options),
      groups: async (options) => {
        const [core, apis] = await Promise.all([
          get<{ versions: string[] }>("/api", options),
          get<{ groups: Awaited<ReturnType<Discovery["groups"]>>["groups"] }>("/apis", options),
        ]);
        return { core: { versions: core.versions }, groups: apis.groups };
      },
      resources: async (group, version, options) =>
        (await get<{ resources: ApiResource[] }>(group ? `/apis/${group}/${version}` : `/api/${version}`, options)).resources,
    };
  }

  /**
   * The typed openapi-fetch client over the same connection, for paths the helpers do not cover:
   * `client.fetchClient<paths>().GET("/api/v1/namespaces/{namespace}/pods", { params: { path: { namespace } } })`.
   */
  fetchClient<Paths extends {}>(): FetchClient<Paths> {
    const { connection, transport } = this;
    return createFetchClient<Paths>({
      baseUrl: connection.server,
      // openapi-fetch builds absolute URLs; each request goes through the client's transport (its retries, request
      // log, warnings, rate limit and hooks), and error answers come back as responses for openapi-fetch to read.
      fetch: async (request: Request) => {
        const res = await transport.request({
          method: request.method.toUpperCase() as RequestSpec["method"],
          path: request.url.slice(connection.server.length),
          ...(request.body ? { body: await request.text() } : {}),
          ...(request.headers.get("content-type") ? { contentType: request.headers.get("content-type")! } : {}),
          ...(request.headers.get("accept") ? { accept: request.headers.get("accept")! } : {}),
          signal: request.signal,
          returnErrors: true,
        });
        const headers = new Headers();
        const raw = res.rawHeaders ?? [];
        for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
        if (raw.length === 0 && res.header("content-type")) headers.set("content-type", res.header("content-type")!);
        const body = res.status === 204 || res.status === 304 ? null : await res.text();
        return new Response(body, { status: res.status, headers });
      },
    });
  }

}

/** Creates a client for a connection (an `@org/k8s-auth` Connection or any {@link HttpConnection}). */
export function createClient(connection: HttpConnection, options?: TransportOptions): KubeClient {
  return new KubeClient(connection, options);
}

function isDescriptor(value: unknown): value is ResourceDescriptor {
  return typeof value === "object" && value !== null && typeof (value as ResourceDescriptor).plural === "string" && Array.isArray((value as ResourceDescriptor).verbs);
}

/**
 * Binds every resource descriptor of a generated group-version module to a client, as the module's API interface
 * `A` describes it (generated code names `A`). Each resource client is made on first access, so binding the whole
 * API costs nothing up front.
 */
export function bindGroupVersion<A>(client: KubeClient, module: object): A {
  const api = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(module)) {
    if (!isDescriptor(value)) continue;
    Object.defineProperty(api, key, {
      enumerable: true,
      configurable: true,
      get() {
        const resource = client.resource(value);
        Object.defineProperty(api, key, { value: resource, enumerable: true });
        return resource;
      },
    });
  }
  return api as A;
}
