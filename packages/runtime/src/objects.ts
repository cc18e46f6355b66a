import type { ApplyOptions, DeleteOptions, ListOptions, Patch, ResourceClient, WriteOptions } from "./resource-client.js";
import { type ResourceMapping, RestMapper, parseApiVersion } from "./rest-mapper.js";
import type { CallOptions } from "./transport.js";
import type { ApplyConfiguration, DeleteResult, DynamicObject, KubernetesList, KubernetesObject, ObjectEvent, ResourceDescriptor, WatchEvent } from "./types.js";
import type { WatchOptions } from "./watch.js";

/** Object types by `${apiVersion}/${kind}` (`"apps/v1/Deployment"`): what generated code knows (its `Kinds`). */
export type KindMap = object;

/** The type of objects of `apiVersion` `A`, kind `K`: the generated one when known, else {@link DynamicObject}. */
export type ObjectOfKind<Known extends KindMap, A extends string, K extends string> = `${A}/${K}` extends keyof Known
  ? Known[`${A}/${K}`] extends KubernetesObject
    ? Known[`${A}/${K}`]
    : DynamicObject
  : DynamicObject;

/** Names one object. */
export interface ObjectReference<A extends string = string, K extends string = string> {
  apiVersion: A;
  kind: K;
  name: string;
  /** For namespaced kinds; default the connection's namespace. */
  namespace?: string | undefined;
}

/** Names a kind, and for listing and watching, where. */
export interface KindReference<A extends string = string, K extends string = string> {
  apiVersion: A;
  kind: K;
  namespace?: string | undefined;
  allNamespaces?: boolean | undefined;
}

/** An object as given to create/replace/apply: `apiVersion` and `kind` say where it goes. */
export type ObjectInput<Known extends KindMap, A extends string, K extends string> = { apiVersion: A; kind: K } & ObjectOfKind<Known, A, K>;

/** Makes resource clients for kinds, typed when generated, from discovery otherwise. */
export interface ResourceClientFactory {
  /** A client for a generated descriptor. */
  resource(descriptor: ResourceDescriptor): ResourceClient<KubernetesObject, KubernetesList<KubernetesObject>, boolean>;
  /** A client for a kind discovery found. */
  dynamic(gvr: { group: string; version: string; plural: string; kind: string; namespaced: boolean }): ResourceClient<DynamicObject, KubernetesList<DynamicObject>, boolean>;
  readonly mapper: RestMapper;
}

type AnyClient = ResourceClient<KubernetesObject, KubernetesList<KubernetesObject>, boolean>;

const nameOf = (object: KubernetesObject, verb: string) => {
  const name = object.metadata?.name;
  if (typeof name !== "string" || name === "") throw new TypeError(`${verb} ${object.kind ?? "object"}: metadata.name is required`);
  return name;
};

/**
 * Verbs on any object by its `apiVersion` and `kind`, as client-go's dynamic client over a discovery RESTMapper or
 * kube-rs' `Api<DynamicObject>` with `Discovery`: kinds the SDK was generated for use their descriptors (typed, no
 * discovery request), any other kind is mapped through the server's discovery. `k8s.objects.apply(manifest, ...)`.
 */
export class ObjectClient<Known extends KindMap = KindMap> {
  readonly #factory: ResourceClientFactory;
  readonly #descriptors = new Map<string, ResourceDescriptor>();
  readonly #clients = new Map<string, Promise<AnyClient>>();

  /** `descriptors`: the generated resource descriptors to prefer over discovery (one per kind). */
  constructor(factory: ResourceClientFactory, descriptors: Iterable<ResourceDescriptor> = []) {
    this.#factory = factory;
    for (const descriptor of descriptors) {
      const apiVersion = descriptor.group ? `${descriptor.group}/${descriptor.version}` : descriptor.version;
      this.#descriptors.set(`${apiVersion}/${descriptor.kind}`, descriptor);
    }
  }

  /** The resource client of a kind (made once per kind). Rejects with `UnknownKindError` for kinds the server lacks. */
  resource<A extends string, K extends string>(apiVersion: A, kind: K, options?: CallOptions): Promise<ResourceClient<ObjectOfKind<Known, A, K>, KubernetesList<ObjectOfKind<Known, A, K>>, boolean>> {
    const key = `${apiVersion}/${kind}`;
    let client = this.#clients.get(key);
    if (!client) {
      client = this.#make(apiVersion, kind, options);
      this.#clients.set(key, client);
      client.catch(() => this.#clients.delete(key)); // a kind that appears later (a new CRD) is looked up again
    }
    return client as unknown as Promise<ResourceClient<ObjectOfKind<Known, A, K>, KubernetesList<ObjectOfKind<Known, A, K>>, boolean>>;
  }

  /** How a kind maps to a resource (from the generated descriptor, or discovery). */
  async mapping(apiVersion: string, kind: string, options?: CallOptions): Promise<Pick<ResourceMapping, "group" | "version" | "kind" | "plural" | "namespaced">> {
    const descriptor = this.#descriptors.get(`${apiVersion}/${kind}`);
    if (descriptor) return descriptor;
    return this.#factory.mapper.mapping(apiVersion, kind, options);
  }

  async #make(apiVersion: string, kind: string, options: CallOptions | undefined): Promise<AnyClient> {
    const descriptor = this.#descriptors.get(`${apiVersion}/${kind}`);
    if (descriptor) return this.#factory.resource(descriptor);
    const mapping = await this.#factory.mapper.mapping(apiVersion, kind, options);
    const { group, version } = parseApiVersion(apiVersion);
    return this.#factory.dynamic({ group, version, plural: mapping.plural, kind, namespaced: mapping.namespaced }) as unknown as AnyClient;
  }

  /** Reads one object. */
  async get<A extends string, K extends string>(ref: ObjectReference<A, K>, options?: CallOptions): Promise<ObjectOfKind<Known, A, K>> {
    const client = await this.resource(ref.apiVersion, ref.kind, options);
    return client.get(ref.name, { ...options, namespace: ref.namespace } as never);
  }

  /** Lists objects of a kind (one page unless `limit` is set, as `ResourceClient.list`). */
  async list<A extends string, K extends string>(ref: KindReference<A, K>, options?: ListOptions): Promise<KubernetesList<ObjectOfKind<Known, A, K>>> {
    const client = await this.resource(ref.apiVersion, ref.kind, options);
    return client.list({ ...options, ...scope(ref) } as never);
  }

  /** Creates an object (in its `metadata.namespace`, else the connection's namespace for namespaced kinds). */
  async create<A extends string, K extends string>(object: ObjectInput<Known, A, K>, options?: WriteOptions): Promise<ObjectOfKind<Known, A, K>> {
    const client = await this.resource(object.apiVersion, object.kind, options);
    return client.create(object as never, options as never);
  }

  /** Replaces an object (PUT). */
  async replace<A extends string, K extends string>(object: ObjectInput<Known, A, K>, options?: WriteOptions): Promise<ObjectOfKind<Known, A, K>> {
    nameOf(object, "replace");
    const client = await this.resource(object.apiVersion, object.kind, options);
    return client.replace(object as never, options as never);
  }

  /** Server-side apply of any object: any subset of it, `metadata.name` required. */
  async apply<A extends string, K extends string>(
    object: { apiVersion: A; kind: K } & ApplyConfiguration<ObjectOfKind<Known, A, K>>,
    options: ApplyOptions,
  ): Promise<ObjectOfKind<Known, A, K>> {
    nameOf(object as KubernetesObject, "apply");
    const client = await this.resource(object.apiVersion, object.kind, options);
    return client.apply(object as never, options as never);
  }

  /** Patches one object. */
  async patch<A extends string, K extends string>(ref: ObjectReference<A, K>, patch: Patch<ObjectOfKind<Known, A, K>>, options?: WriteOptions): Promise<ObjectOfKind<Known, A, K>> {
    const client = await this.resource(ref.apiVersion, ref.kind, options);
    return client.patch(ref.name, patch as never, { ...options, namespace: ref.namespace } as never);
  }

  /** Deletes one object; see `ResourceClient.delete` for the result. */
  async delete<A extends string, K extends string>(ref: ObjectReference<A, K>, options?: DeleteOptions): Promise<DeleteResult<ObjectOfKind<Known, A, K>>> {
    const client = await this.resource(ref.apiVersion, ref.kind, options);
    return client.delete(ref.name, { ...options, namespace: ref.namespace } as never);
  }

  /** Watches objects of a kind (see `ResourceClient.watch`). */
  watch<A extends string, K extends string>(ref: KindReference<A, K>, options: WatchOptions & { allowWatchBookmarks: true }): AsyncGenerator<WatchEvent<ObjectOfKind<Known, A, K>>>;
  watch<A extends string, K extends string>(ref: KindReference<A, K>, options?: WatchOptions & { allowWatchBookmarks?: false | undefined }): AsyncGenerator<ObjectEvent<ObjectOfKind<Known, A, K>>>;
  async *watch<A extends string, K extends string>(ref: KindReference<A, K>, options: WatchOptions = {}): AsyncGenerator<WatchEvent<ObjectOfKind<Known, A, K>>> {
    const client = await this.resource(ref.apiVersion, ref.kind);
    yield* client.watch({ ...options, ...scope(ref) } as never) as AsyncGenerator<WatchEvent<ObjectOfKind<Known, A, K>>>;
  }
}

function scope(ref: KindReference): { namespace?: string; allNamespaces?: true } {
  if (ref.allNamespaces) return { allNamespaces: true };
  return ref.namespace !== undefined ? { namespace: ref.namespace } : {};
}
