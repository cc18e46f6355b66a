import { describe, expect, it } from "vitest";
import { decodeConfigMap, decodeContainerPort, decodeVolume } from "./generated/io.k8s.api.core.v1.js";
import { decodeStatefulSetSpec } from "./generated/io.k8s.api.apps.v1.js";
import { decodeObjectMeta } from "./generated/io.k8s.apimachinery.pkg.apis.meta.v1.js";
import { protobuf } from "./index.js";
import { ProtobufDecodeError, Reader, formatSeconds } from "./reader.js";

// A minimal protobuf writer for test inputs.
const varint = (value: bigint | number): number[] => {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? byte | 0x80 : byte);
  } while (v);
  return out;
};
const tag = (field: number, wire: number) => varint((field << 3) | wire);
const num = (field: number, value: bigint | number) => [...tag(field, 0), ...varint(value)];
const bytes = (field: number, payload: number[] | Uint8Array) => [...tag(field, 2), ...varint(payload.length), ...payload];
const str = (field: number, text: string) => bytes(field, [...Buffer.from(text)]);
const entry = (field: number, key: string, value: number[]) => bytes(field, [...str(1, key), ...value]);
const reader = (parts: number[]) => new Reader(Buffer.from(parts));
const decode = (fn: (r: Reader, end: number, o: Record<string, unknown>) => unknown, parts: number[]) => {
  const r = reader(parts);
  return fn(r, parts.length, {});
};

describe("Reader", () => {
  it("formats metav1.Time as Go's RFC 3339 in UTC (vectors from Go's time.Format)", () => {
    const vectors: Array<[number, string]> = [
      [0, "1970-01-01T00:00:00Z"],
      [-1, "1969-12-31T23:59:59Z"],
      [1709251199, "2024-02-29T23:59:59Z"],
      [-62135596800, "0001-01-01T00:00:00Z"],
      [-62135596801, "0000-12-31T23:59:59Z"],
      [-62167219200, "0000-01-01T00:00:00Z"],
      [-62198755200, "-0001-01-01T00:00:00Z"],
      [253402300799, "9999-12-31T23:59:59Z"],
      [253402300800, "10000-01-01T00:00:00Z"],
      [951782400, "2000-02-29T00:00:00Z"],
      [4102444800, "2100-01-01T00:00:00Z"],
      [-94608000000, "-1029-12-29T00:00:00Z"],
    ];
    for (const [seconds, text] of vectors) expect(formatSeconds(seconds), String(seconds)).toBe(text);
  });

  it("reads Time and MicroTime messages: unset and the zero time are null, nanoseconds dropped or truncated", () => {
    const timestamp = (seconds: number, nanos: number) => bytes(1, [...num(1, seconds), ...num(2, nanos)]);
    const read = (parts: number[], micro: boolean) => {
      const r = reader(parts);
      r.uint32();
      return micro ? r.microTime() : r.time();
    };
    expect(read(timestamp(1704164645, 123456789), false)).toBe("2024-01-02T03:04:05Z");
    expect(read(timestamp(1704164645, 123456789), true)).toBe("2024-01-02T03:04:05.123456Z");
    expect(read(timestamp(1704164645, 999), true)).toBe("2024-01-02T03:04:05.000000Z");
    expect(read(bytes(1, []), false)).toBeNull();
    expect(read(bytes(1, []), true)).toBeNull();
    expect(read(timestamp(-62135596800, 0), false)).toBeNull();
    expect(read(timestamp(-62135596800, 500), true)).toBeNull(); // truncated to 0 µs: still the zero time
    expect(read(timestamp(0, 0), false)).toBe("1970-01-01T00:00:00Z"); // sent: not the zero time
  });

  it("reads int64 as JSON.parse reads the decimal, int32 sign-extended, uint32 whole", () => {
    for (const value of [0n, 1n, 127n, 128n, 2n ** 31n, 2n ** 32n + 5n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -(2n ** 63n), 12345678901234567n]) {
      const r = reader(varint(value));
      expect(r.int64(), String(value)).toBe(JSON.parse(String(value)));
    }
    expect(reader(varint(-5)).int32()).toBe(-5);
    expect(reader(varint(4294967295)).uint32()).toBe(4294967295);
    expect(reader(varint(2n ** 31n)).int32()).toBe(-(2 ** 31));
  });

  it("reads strings (ASCII, other UTF-8, empty) and bytes as standard base64", () => {
    for (const text of ["", "a", "default", "ünïcødé ✓ 日本語 🚀", "x".repeat(5000)]) expect(reader(str(1, text).slice(tag(1, 2).length)).string()).toBe(text);
    const r = reader([3, 0, 0xff, 1]);
    expect(r.base64()).toBe(Buffer.from([0, 0xff, 1]).toString("base64"));
  });

  it("fails on truncated input, naming the position", () => {
    expect(() => reader([5, 0x61]).string()).toThrow(ProtobufDecodeError);
    expect(() => reader([5, 0x61]).string()).toThrow(/length 5 beyond the end at byte 1 of 2/);
    expect(() => reader([0x80, 0x80]).uint32()).toThrow(/truncated varint/);
    expect(() => reader([...tag(1, 3)]).skip(tag(1, 3)[0]!)).toThrow(/unsupported wire type 3/);
    // A field that runs past its message's end.
    expect(() => decode(decodeContainerPort, [...str(1, "http").slice(0, 4)])).toThrow(ProtobufDecodeError);
  });

  it("reads Quantity (unset: 0), IntOrString (number or string), RawExtension and FieldsV1 (their JSON)", () => {
    const value = (parts: number[], read: (r: Reader) => unknown) => {
      const r = reader(parts);
      r.uint32();
      return read(r);
    };
    expect(value(bytes(1, str(1, "1500m")), (r) => r.quantity())).toBe("1500m");
    expect(value(bytes(1, []), (r) => r.quantity())).toBe("0");
    expect(value(bytes(1, [...num(1, 0), ...num(2, 8080)]), (r) => r.intOrString())).toBe(8080);
    expect(value(bytes(1, [...num(1, 1), ...str(3, "http")]), (r) => r.intOrString())).toBe("http");
    expect(value(bytes(1, []), (r) => r.intOrString())).toBe(0);
    expect(value(bytes(1, str(1, ' {"a":[1,null,"ü"]}')), (r) => r.rawJson("RawExtension"))).toEqual({ a: [1, null, "ü"] });
    expect(value(bytes(1, []), (r) => r.rawJson("RawExtension"))).toBeNull();
    expect(value(bytes(1, bytes(1, [])), (r) => r.rawJson("FieldsV1"))).toBeNull();
    expect(() => value(bytes(1, bytes(1, [])), (r) => r.rawJson("RawExtension"))).toThrow(/RawExtension holds an empty payload/);
    expect(() => value(bytes(1, bytes(1, [0xd9, 0xd9, 0xf7, 0xa0])), (r) => r.rawJson("RawExtension"))).toThrow(/RawExtension holds a payload that is not JSON \(first byte 0xd9\)/);
  });
});

describe("generated decoders", () => {
  it("write what encoding/json writes: omitempty scalars left out when empty, others kept, structs never omitted", () => {
    // hostPort (omitempty) 0 and name (omitempty) "" as gogo sends them: left out; containerPort (no omitempty) 0: kept.
    expect(decode(decodeContainerPort, [...str(1, ""), ...num(2, 0), ...num(3, 0), ...str(4, "TCP")])).toStrictEqual({ containerPort: 0, protocol: "TCP" });
    expect(decode(decodeContainerPort, [])).toStrictEqual({ containerPort: 0 });
    // ConfigMap: metadata is a struct (always written); maps keep "__proto__" as an own key, as JSON.parse does.
    const configMap = decode(decodeConfigMap, [...entry(2, "__proto__", str(2, "p")), ...entry(2, "empty", []), ...entry(3, "bin", bytes(2, [0, 1])), ...entry(3, "none", [])]) as Record<string, unknown>;
    expect(configMap).toStrictEqual(JSON.parse('{"metadata":{},"data":{"__proto__":"p","empty":""},"binaryData":{"bin":"AAE=","none":""}}'));
    expect(Object.getPrototypeOf(configMap.data)).toBe(Object.prototype);
  });

  it("flatten inline structs and apply their zero values; metadata's creationTimestamp is omitzero", () => {
    // Volume { name = 1; volumeSource = 2 (inline) { emptyDir = 2 { medium = 1 } } }
    expect(decode(decodeVolume, [...str(1, "data"), ...bytes(2, bytes(2, str(1, "Memory")))])).toStrictEqual({ name: "data", emptyDir: { medium: "Memory" } });
    expect(decode(decodeVolume, [])).toStrictEqual({ name: "" });
    expect(decode(decodeObjectMeta, [...str(1, "a"), ...bytes(8, [])])).toStrictEqual({ name: "a" });
  });

  it("give volumeClaimTemplates the apiVersion and kind the apiserver's JSON has (apps/v1 conversion sets them)", () => {
    const spec = decode(decodeStatefulSetSpec, bytes(4, bytes(1, str(1, "data")))) as { volumeClaimTemplates: unknown[] };
    expect(spec.volumeClaimTemplates[0]).toStrictEqual({ kind: "PersistentVolumeClaim", apiVersion: "v1", metadata: { name: "data" }, spec: { resources: {} }, status: {} });
  });
});

describe("the codec", () => {
  const envelope = (apiVersion: string, kind: string, raw: number[]) => [0x6b, 0x38, 0x73, 0x00, ...bytes(1, [...str(1, apiVersion), ...str(2, kind)]), ...bytes(2, raw)];

  it("reads the k8s\\0 envelope: kind and apiVersion first, then the object", async () => {
    const decoder = await protobuf.load("v1");
    const object = decoder.object(Buffer.from(envelope("v1", "ConfigMap", bytes(1, str(1, "a")))));
    expect(Object.keys(object as object).slice(0, 2)).toEqual(["kind", "apiVersion"]);
    expect(object).toStrictEqual({ kind: "ConfigMap", apiVersion: "v1", metadata: { name: "a" } });
    const status = decoder.object(Buffer.from(envelope("v1", "Status", [...str(2, "Failure"), ...num(6, 404)])));
    expect(status).toStrictEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code: 404 });
  });

  it("reads watch frames (metav1.WatchEvent wrapping an envelope)", async () => {
    const decoder = await protobuf.load("v1");
    const frame = Buffer.from([...str(1, "DELETED"), ...bytes(2, bytes(1, envelope("v1", "ConfigMap", bytes(1, str(1, "gone")))))]);
    expect(decoder.watchEvent(frame)).toStrictEqual({ type: "DELETED", object: { kind: "ConfigMap", apiVersion: "v1", metadata: { name: "gone" } } });
    expect(() => decoder.watchEvent(Buffer.from(str(1, "ADDED")))).toThrow(/watch event ADDED without an object/);
  });

  it("refuses what is no envelope, a kind it has no decoder for, and a group-version it does not know", async () => {
    const decoder = await protobuf.load("v1");
    expect(() => decoder.object(Buffer.from('{"kind":"ConfigMap"}'))).toThrow(/not a Kubernetes protobuf envelope/);
    expect(() => decoder.object(Buffer.from(envelope("v1", "Unheard", [])))).toThrow(/no decoder for v1\/Unheard/);
    await expect(protobuf.load("example.com/v1")).rejects.toThrow(/no protobuf decoders for example.com\/v1/);
    expect(protobuf.readable("v1", "Pod")).toBe(true);
    expect(protobuf.readable("apiextensions.k8s.io/v1", "CustomResourceDefinition")).toBe(false);
  });
});
