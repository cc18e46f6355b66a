import { constants, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { KubernetesError, TransportError } from "../errors.js";
import type { Status } from "../types.js";
import { ContainerNotFoundError, ContainerNotRunningError, isContainerNotFound, isContainerNotRunning, podContainerError } from "./errors.js";
import { parsePortMapping } from "./port-forward.js";
import { exitCodeOf, resultOf, streamQuery } from "./remote-command.js";
import { type ByteTransport, SpdySession, headerBlock, storedZlib } from "./spdy.js";

const request = { method: "GET", url: "https://k8s.example/api/v1/namespaces/ns/pods/p/exec" };

describe("the status channel", () => {
  it("reads the exit code as client-go's errorDecoderV4: Success is 0, NonZeroExitCode carries an ExitCode cause", () => {
    expect(resultOf('{"metadata":{},"status":"Success"}', request).exitCode).toBe(0);
    expect(resultOf("", request)).toMatchObject({ exitCode: 0, status: { status: "Success" } }); // nothing sent: success, as client-go
    const failed = { status: "Failure", reason: "NonZeroExitCode", message: "command terminated with non-zero exit code: exit 3", details: { causes: [{ reason: "ExitCode", message: "3" }] } };
    expect(resultOf(JSON.stringify(failed), request)).toEqual({ exitCode: 3, status: failed });
    expect(exitCodeOf({ ...failed, details: { causes: [{ reason: "ExitCode", message: "256" }] } } as Status)).toBeUndefined();
    expect(() => resultOf(JSON.stringify({ ...failed, details: { causes: [{ reason: "ExitCode", message: "x" }] } }), request)).toThrow(/NonZeroExitCode without a valid ExitCode cause/);
    expect(() => resultOf("not json", request)).toThrow(TransportError);
  });

  it("turns other failures into typed errors: the kubelet not finding a running container, anything else as a KubernetesError", () => {
    const gone = { status: "Failure", reason: "InternalError", code: 500, message: 'Internal error occurred: error executing command in container: container not found ("main")' };
    const error = (() => {
      try {
        return resultOf(JSON.stringify(gone), request);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ContainerNotRunningError);
    expect(error).toMatchObject({ code: 500, reason: "InternalError", request });
    expect(() => resultOf(JSON.stringify({ status: "Failure", reason: "InternalError", message: "boom" }), request)).toThrow(KubernetesError);
  });
});

describe("typed errors from the server's refusals", () => {
  const refusal = (code: number, message: string) => new KubernetesError({ kind: "Status", status: "Failure", code, reason: code === 400 ? "BadRequest" : "Forbidden", message }, request);
  it.each([
    ["container nope is not valid for pod p", isContainerNotFound],
    ["a container name must be specified for pod p, choose one of: [main side]", isContainerNotFound],
    ["pod p does not have a host assigned", isContainerNotRunning],
    ['container "main" in pod "p" is waiting to start: ContainerCreating', isContainerNotRunning],
    ['previous terminated container "side" in pod "p" not found', isContainerNotRunning],
  ])("%s", (message, guard) => {
    const typed = podContainerError(refusal(400, message));
    expect(guard(typed)).toBe(true);
    expect(typed).toMatchObject({ code: 400, message: expect.stringContaining(message) });
    expect(typed).toBeInstanceOf(KubernetesError);
  });
  it("leaves other errors as they are", () => {
    const forbidden = refusal(403, 'pods "p" is forbidden: User "u" cannot get resource "pods/exec"');
    expect(podContainerError(forbidden)).toBe(forbidden);
    const plain = new Error("container nope is not valid for pod p");
    expect(podContainerError(plain)).toBe(plain);
    expect(podContainerError(new ContainerNotFoundError(forbidden.status, request))).toBeInstanceOf(ContainerNotFoundError);
  });
});

describe("exec and attach options", () => {
  it("send only what is asked, as kubectl does; a terminal has no stderr of its own", () => {
    expect(streamQuery({})).toEqual({ container: undefined, stdin: undefined, stdout: "true", stderr: "true", tty: undefined });
    expect(streamQuery({ stdin: true, tty: true, container: "c" })).toEqual({ container: "c", stdin: "true", stdout: "true", stderr: "false", tty: "true" });
    expect(streamQuery({ stdin: "data", stdout: false })).toMatchObject({ stdin: "true", stdout: "false" });
    expect(() => streamQuery({ tty: true, stderr: true })).toThrow(/a terminal \(tty\) has no standard error/);
    expect(() => streamQuery({ stdout: false, stderr: false })).toThrow(/at least one of stdin, stdout and stderr/);
  });

  it("port mappings as kubectl port-forward reads them", () => {
    expect(parsePortMapping(8080)).toEqual({ local: 8080, remote: 8080 });
    expect(parsePortMapping("8080")).toEqual({ local: 8080, remote: 8080 });
    expect(parsePortMapping("5000:8080")).toEqual({ local: 5000, remote: 8080 });
    expect(parsePortMapping(":8080")).toEqual({ local: 0, remote: 8080 });
    expect(parsePortMapping("0:8080")).toEqual({ local: 0, remote: 8080 });
    expect(parsePortMapping({ remote: 443 })).toEqual({ local: 0, remote: 443 });
    for (const bad of [0, 70000, "x", ":", "1:2:3", "8080:0", { remote: 0 }, 1.5] as const) expect(() => parsePortMapping(bad as never)).toThrow(RangeError);
  });
});

/** An in-memory transport: what the session writes, and a way to hand it the server's bytes. */
function memoryTransport() {
  const written: Buffer[] = [];
  const transport: ByteTransport = {
    write: (parts) => (written.push(Buffer.concat(parts)), true),
    drained: () => Promise.resolve(),
    pause: () => {},
    resume: () => {},
    close: () => {},
    destroy: () => {},
  };
  return { transport, frames: () => Buffer.concat(written) };
}

const control = (type: number, flags: number, payload: Buffer) => {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8003, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE(payload.length, 4);
  header[4] = flags;
  return Buffer.concat([header, payload]);
};
const data = (id: number, flags: number, payload: string) => {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(id, 0);
  header.writeUInt32BE(Buffer.byteLength(payload), 4);
  header[4] = flags;
  return Buffer.concat([header, Buffer.from(payload)]);
};
const id = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

describe("SPDY/3.1", () => {
  it("header blocks are one zlib stream across frames that any inflater reads (stored blocks, sync-flushed)", () => {
    const first = headerBlock({ streamType: "error", port: "8080", requestID: "0" });
    const second = headerBlock({ streamtype: "data", port: "8080", requestid: "0" });
    const stream = Buffer.concat([storedZlib(first, true), storedZlib(second, false)]);
    expect(inflateSync(stream, { finishFlush: constants.Z_SYNC_FLUSH }).equals(Buffer.concat([first, second]))).toBe(true);
    // Name/value pairs with 32-bit counts and lengths, names in lower case.
    expect(first.readUInt32BE(0)).toBe(3);
    expect(first.subarray(8, 8 + first.readUInt32BE(4)).toString()).toBe("streamtype");
    // A block over 64 KiB spans several stored blocks.
    const big = Buffer.alloc(70_000, 1);
    expect(inflateSync(storedZlib(big, true), { finishFlush: constants.Z_SYNC_FLUSH }).equals(big)).toBe(true);
  });

  it("opens odd-numbered streams, routes the server's frames, answers its pings, half-closes and resets", async () => {
    const { transport, frames } = memoryTransport();
    const session = new SpdySession(transport, () => {}, 0);
    const stream = session.open({ streamtype: "data", port: "80", requestid: "0" });
    expect(stream.id).toBe(1);
    expect(session.open({ streamtype: "error", port: "80", requestid: "1" }).id).toBe(3);
    const sent = frames();
    expect(sent.readUInt16BE(0)).toBe(0x8003); // control, version 3
    expect(sent.readUInt16BE(2)).toBe(1); // SYN_STREAM
    expect(sent.readUInt32BE(8)).toBe(1); // stream id

    const received: string[] = [];
    let ended = false;
    stream.handle({ data: (chunk) => received.push(chunk.toString()), end: () => (ended = true), error: () => {} });
    const before = frames().length;
    // A SYN_REPLY, data split across two feeds, a server ping (even id), then FIN.
    const replyAndData = Buffer.concat([control(2, 0, Buffer.concat([id(1), Buffer.alloc(4)])), data(1, 0, "hello "), data(1, 1, "world")]);
    session.feed(replyAndData.subarray(0, 13));
    session.feed(Buffer.concat([replyAndData.subarray(13), control(6, 0, id(2))]));
    await stream.replied;
    expect(received.join("")).toBe("hello world");
    expect(ended).toBe(true);
    const answer = frames().subarray(before);
    expect(answer.readUInt16BE(2)).toBe(6); // PING echoed
    expect(answer.readUInt32BE(8)).toBe(2);

    await stream.write(Buffer.from("x".repeat(40_000)));
    stream.end();
    const out = frames().subarray(before + 12);
    // 40000 bytes go as a 32 KiB frame and the rest, then an empty DATA frame with FIN.
    expect(out.readUInt32BE(0)).toBe(1);
    expect(out.readUInt32BE(4) & 0xffffff).toBe(32 * 1024);
    const second = 8 + 32 * 1024;
    expect(out.readUInt32BE(second + 4) & 0xffffff).toBe(40_000 - 32 * 1024);
    const fin = second + 8 + 40_000 - 32 * 1024;
    expect(out[fin + 4]).toBe(1);
    expect(session.openStreams).toBe(1); // both sides closed: stream 1 is done; stream 3 is open
  });

  it("a reset from the server fails that stream only; GOAWAY with no streams ends the session", async () => {
    const { transport } = memoryTransport();
    let closed: Error | undefined | "open" = "open";
    const session = new SpdySession(transport, (error) => (closed = error), 0);
    const a = session.open({ streamtype: "data" });
    const errors: Error[] = [];
    a.handle({ data: () => {}, end: () => {}, error: (e) => errors.push(e) });
    session.feed(control(3, 0, Buffer.concat([id(1), id(5)])));
    await expect(a.replied).rejects.toThrow(/reset stream 1 \(status 5\)/);
    expect(errors).toHaveLength(1);
    expect(closed).toBe("open");
    session.feed(control(7, 0, Buffer.concat([id(0), id(0)])));
    expect(closed).toBeUndefined();
    expect(() => session.open({})).toThrow(/closed/);
  });
});
