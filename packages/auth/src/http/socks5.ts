import { type Socket, connect as netConnect, isIP } from "node:net";

const REPLIES: Record<number, string> = {
  1: "general SOCKS server failure",
  2: "connection not allowed by ruleset",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused",
  6: "TTL expired",
  7: "command not supported",
  8: "address type not supported",
};

/** Reads exact byte counts from a socket during the handshake. */
class Reader {
  #buffer = Buffer.alloc(0);
  #waiting: { size: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  #error: Error | undefined;
  readonly #socket: Socket;
  readonly #onData = (chunk: Buffer) => {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    this.#drain();
  };
  readonly #onEnd = () => this.#fail(new Error("the proxy closed the connection during the SOCKS5 handshake"));
  readonly #onError = (error: Error) => this.#fail(error);

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
  }

  read(size: number): Promise<Buffer> {
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      this.#waiting = { size, resolve, reject };
      this.#drain();
    });
  }

  /** Stops reading; bytes that arrived after the handshake go back to the socket. */
  release(): void {
    this.#socket.off("data", this.#onData);
    this.#socket.off("end", this.#onEnd);
    this.#socket.off("error", this.#onError);
    if (this.#buffer.length) this.#socket.unshift(this.#buffer);
  }

  #drain(): void {
    const waiting = this.#waiting;
    if (!waiting || this.#buffer.length < waiting.size) return;
    this.#waiting = undefined;
    const out = this.#buffer.subarray(0, waiting.size);
    this.#buffer = this.#buffer.subarray(waiting.size);
    waiting.resolve(out);
  }

  #fail(error: Error): void {
    this.#error = error;
    this.#waiting?.reject(error);
    this.#waiting = undefined;
  }
}

/** Opens a tunnel to `host:port` through a SOCKS5 proxy (RFC 1928, user/password auth RFC 1929; remote DNS). */
export async function socks5Tunnel(proxy: URL, host: string, port: number, timeoutMs = 30_000): Promise<Socket> {
  const proxyPort = Number(proxy.port) || 1080;
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, "");
  const where = `SOCKS5 proxy ${proxy.hostname}:${proxyPort}`;
  const socket = netConnect({ host: proxyHost, port: proxyPort });
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${where} did not answer within ${timeoutMs} ms`)));
  const reader = new Reader(socket);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const username = decodeURIComponent(proxy.username);
    const password = decodeURIComponent(proxy.password);
    const methods = username ? [0x00, 0x02] : [0x00];
    socket.write(Buffer.from([0x05, methods.length, ...methods]));
    const [version, method] = await reader.read(2);
    if (version !== 0x05) throw new Error(`${where} is not a SOCKS5 server`);
    if (method === 0x02) {
      const user = Buffer.from(username);
      const pass = Buffer.from(password);
      socket.write(Buffer.concat([Buffer.from([0x01, user.length]), user, Buffer.from([pass.length]), pass]));
      const [, status] = await reader.read(2);
      if (status !== 0x00) throw new Error(`${where} rejected the username/password`);
    } else if (method !== 0x00) {
      throw new Error(`${where} accepts none of the offered authentication methods${username ? "" : " (it may need a username and password)"}`);
    }
    const bare = host.replace(/^\[|\]$/g, "");
    let address: Buffer;
    if (isIP(bare) === 4) address = Buffer.from([0x01, ...bare.split(".").map(Number)]);
    else if (isIP(bare) === 6) address = Buffer.concat([Buffer.from([0x04]), ipv6Bytes(bare)]);
    else address = Buffer.concat([Buffer.from([0x03, Buffer.byteLength(bare)]), Buffer.from(bare)]);
    const portBytes = Buffer.from([port >> 8, port & 0xff]);
    socket.write(Buffer.concat([Buffer.from([0x05, 0x01, 0x00]), address, portBytes]));
    const [, reply, , type] = await reader.read(4);
    if (reply !== 0x00) throw new Error(`${where} could not connect to ${host}:${port}: ${REPLIES[reply!] ?? `reply ${reply}`}`);
    const rest = type === 0x01 ? 4 : type === 0x04 ? 16 : (await reader.read(1))[0]!;
    await reader.read(rest + 2);
    reader.release();
    socket.setTimeout(0);
    return socket;
  } catch (error) {
    reader.release();
    socket.destroy();
    throw error;
  }
}

function ipv6Bytes(address: string): Buffer {
  const [head = "", tail = ""] = address.split("::");
  const parse = (part: string) => (part ? part.split(":") : []);
  let headParts = parse(head);
  let tailParts = address.includes("::") ? parse(tail) : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const fixV4 = (parts: string[]) => {
    const last = parts[parts.length - 1];
    if (last && last.includes(".")) {
      const b = last.split(".").map(Number);
      parts.splice(parts.length - 1, 1, ((b[0]! << 8) | b[1]!).toString(16), ((b[2]! << 8) | b[3]!).toString(16));
    }
    return parts;
  };
  headParts = fixV4(headParts);
  tailParts = fixV4(tailParts);
  const groups = [...headParts, ...Array(8 - headParts.length - tailParts.length).fill("0"), ...tailParts];
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}
