/**
 * `@org/k8s-core/protobuf`: decoders of every built-in kind's Kubernetes protobuf, for reads that Kubernetes' own
 * components make the same way (the apiserver encodes protobuf in about a third of JSON's time, and it is smaller):
 *
 * ```ts
 * import { connect } from "@org/k8s-core";
 * import { protobuf } from "@org/k8s-core/protobuf";
 * const k8s = await connect({ protobuf });
 * ```
 *
 * Generated (scripts/protobuf/gen.mjs) from the `generated.proto` files and Go types of the pinned k8s.io/api and
 * apimachinery; each decoder builds exactly the object the JSON answer would have been. A group-version's decoders
 * are imported the first time one of its kinds is read.
 *
 * @packageDocumentation
 */
import type { ProtobufCodec, ProtobufDecoder } from "@org/k8s-runtime";
import { loadDecoders, protobufKinds } from "./generated/index.js";
import { type JsonObject, type MessageDecoder, ProtobufDecodeError, Reader } from "./reader.js";

export { ProtobufDecodeError } from "./reader.js";

/** `k8s\0`: what every protobuf body of the apiserver starts with, before its `runtime.Unknown`. */
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** The decoders of every built-in kind (Kubernetes v1.37: the kinds of `@org/k8s-core`'s group-versions). */
export const protobuf: ProtobufCodec = {
  readable: (apiVersion, kind) => protobufKinds.has(`${apiVersion}/${kind}`),
  load: (apiVersion) => {
    let decoder = loaded.get(apiVersion);
    if (!decoder) {
      const load = loadDecoders[apiVersion];
      decoder = load ? load().then(decoderOf) : Promise.reject(new Error(`no protobuf decoders for ${apiVersion}`));
      decoder.catch(() => loaded.delete(apiVersion)); // a failed import may be tried again
      loaded.set(apiVersion, decoder);
    }
    return decoder;
  },
};

const loaded = new Map<string, Promise<ProtobufDecoder>>();

function decoderOf(table: Readonly<Record<string, MessageDecoder>>): ProtobufDecoder {
  return {
    object: (body) => {
      const reader = new Reader(body);
      return readEnvelope(reader, 0, body.length, table);
    },
    watchEvent: (frame) => {
      // metav1.WatchEvent { type = 1; object = 2 (a RawExtension whose raw = 1 is an envelope) }.
      const reader = new Reader(frame);
      let type = "";
      let object: unknown;
      while (reader.pos < frame.length) {
        const tag = reader.uint32();
        if (tag === 10) type = reader.string();
        else if (tag === 18) {
          const end = reader.len();
          while (reader.pos < end) {
            const inner = reader.uint32();
            if (inner === 10) {
              const rawEnd = reader.len();
              object = readEnvelope(reader, reader.pos, rawEnd, table);
            } else reader.skip(inner);
          }
          reader.done(end);
        } else reader.skip(tag);
      }
      reader.done(frame.length);
      if (object === undefined) reader.fail(`watch event ${type || "(no type)"} without an object`);
      return { type, object };
    },
  };
}

/**
 * `k8s\0` + `runtime.Unknown { typeMeta = 1 { apiVersion = 1; kind = 2 }; raw = 2; contentEncoding = 3;
 * contentType = 4 }` between `start` and `end`: the object in `raw`, decoded by its kind's decoder, with `kind`
 * and `apiVersion` first as in the JSON answer.
 */
function readEnvelope(reader: Reader, start: number, end: number, table: Readonly<Record<string, MessageDecoder>>): unknown {
  const buf = reader.buf;
  for (let i = 0; i < 4; i++) {
    if (buf[start + i] !== MAGIC[i]) {
      reader.pos = start;
      reader.fail("not a Kubernetes protobuf envelope (no k8s\\0 prefix)");
    }
  }
  reader.pos = start + 4;
  let apiVersion = "";
  let kind = "";
  let rawStart = -1;
  let rawEnd = -1;
  let encoding = "";
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 10) {
      const typeEnd = reader.len();
      while (reader.pos < typeEnd) {
        const inner = reader.uint32();
        if (inner === 10) apiVersion = reader.string();
        else if (inner === 18) kind = reader.string();
        else reader.skip(inner);
      }
      reader.done(typeEnd);
    } else if (tag === 18) {
      rawEnd = reader.len();
      rawStart = reader.pos;
      reader.pos = rawEnd;
    } else if (tag === 26) encoding = reader.string();
    else reader.skip(tag);
  }
  reader.done(end);
  if (encoding !== "") throw new ProtobufDecodeError(`protobuf: ${apiVersion}/${kind} has content encoding ${encoding}, which is not supported`);
  const decode = table[`${apiVersion}/${kind}`];
  if (!decode) throw new ProtobufDecodeError(`protobuf: no decoder for ${apiVersion}/${kind}`);
  if (rawStart < 0) {
    rawStart = end;
    rawEnd = end;
  }
  reader.pos = rawStart;
  const object: JsonObject = { kind, apiVersion };
  decode(reader, rawEnd, object);
  reader.pos = end;
  return object;
}
