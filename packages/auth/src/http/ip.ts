/**
 * IP addresses and CIDR ranges parsed and compared exactly as Go's `net` package does, for NO_PROXY matching. Go
 * has two parsers in play: the strict one (`netip.ParseAddr`, `net.ParseCIDR`: no leading zeros in IPv4 octets)
 * used by golang.org/x/net/http/httpproxy, and the "sloppy" Go 1.16 one (leading zeros allowed, read as decimal)
 * that k8s.io/utils/net keeps and client-go's NO_PROXY CIDR wrapper uses.
 */

/** An address as 16 bytes (IPv4 as `::ffff:a.b.c.d`, as Go's `net.IP` holds it). */
export type Ip = Uint8Array;

/** IPv4 octets; `sloppy` accepts leading zeros (read as decimal), as Go before 1.17. */
function parseIPv4(text: string, sloppy: boolean): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part)) return undefined;
    if (!sloppy && (part.length > 3 || (part.length > 1 && part[0] === "0"))) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    octets.push(n);
  }
  return octets;
}

/** IPv6 text to 16 bytes; an embedded IPv4 tail parsed with the same strictness. No zones. */
function parseIPv6(text: string, sloppy: boolean): Ip | undefined {
  const bytes = new Uint8Array(16);
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string, v4Tail: boolean): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const pieces = half.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (v4Tail && i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIPv4(piece, sloppy);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) out.push(parseInt(piece, 16));
      else return undefined;
    }
    return out;
  };
  // An embedded IPv4 address may only end the whole address.
  const head = groups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return undefined;
  const all = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail] : head;
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

function v4InV6(octets: number[]): Ip {
  return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...octets]);
}

/**
 * An address as Go parses it: `strict` is `net.ParseIP`/`netip.ParseAddr` (Go >= 1.17), otherwise the sloppy
 * parser. `allowZone` accepts (and ignores) an IPv6 zone, as `netip.ParseAddr` does.
 */
export function parseIp(text: string, options: { sloppy?: boolean; allowZone?: boolean } = {}): Ip | undefined {
  const sloppy = options.sloppy === true;
  const v4 = parseIPv4(text, sloppy);
  if (v4) return v4InV6(v4);
  if (!text.includes(":")) return undefined;
  let address = text;
  const zone = address.indexOf("%");
  if (zone >= 0) {
    if (!options.allowZone || zone === address.length - 1) return undefined;
    address = address.slice(0, zone);
  }
  return parseIPv6(address, sloppy);
}

/** The IPv4 form of a 16-byte address, or undefined (Go's `IP.To4`). */
function to4(ip: Ip): Ip | undefined {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return undefined;
  return ip[10] === 0xff && ip[11] === 0xff ? ip.subarray(12) : undefined;
}

/** Go's `IP.IsLoopback`: 127.0.0.0/8 (also IPv4-mapped) or ::1. */
export function isLoopback(ip: Ip): boolean {
  const v4 = to4(ip);
  if (v4) return v4[0] === 127;
  return ip.every((b, i) => b === (i === 15 ? 1 : 0));
}

/** Go's `IP.Equal` on 16-byte forms. */
export function ipEqual(a: Ip, b: Ip): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** A CIDR range as Go's `net.IPNet`: network address and mask, each 4 or 16 bytes. */
export interface Cidr {
  network: Uint8Array;
  mask: Uint8Array;
}

function cidrMask(ones: number, bits: number): Uint8Array {
  const mask = new Uint8Array(bits / 8);
  for (let i = 0; i < ones; i++) mask[i >> 3]! |= 0x80 >> (i & 7);
  return mask;
}

/**
 * `net.ParseCIDR` (strict) or k8s.io/utils' `ParseCIDRSloppy`. The prefix length is Go's `dtoi`: decimal digits,
 * leading zeros allowed. An IPv4 range gets 4-byte address and mask; an IPv6 one 16-byte ones.
 */
export function parseCidr(text: string, options: { sloppy?: boolean } = {}): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const sloppy = options.sloppy === true;
  const v4 = parseIPv4(addressText, sloppy);
  const address = v4 ? v4InV6(v4) : addressText.includes(":") && !addressText.includes("%") ? parseIPv6(addressText, sloppy) : undefined;
  if (!address || !/^\d+$/.test(prefixText)) return undefined;
  const bits = v4 ? 32 : 128;
  const ones = Number(prefixText);
  if (ones > bits) return undefined;
  const mask = cidrMask(ones, bits);
  // Go's IP.Mask: a 4-byte mask on an IPv4(-mapped) address gives a 4-byte network.
  const base = v4 ? address.subarray(12) : address;
  return { network: base.map((byte, i) => byte & mask[i]!), mask };
}

/** Go's `IPNet.Contains`, including how it mixes IPv4 and IPv4-mapped forms (`networkNumberAndMask`). */
export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  const network = cidr.network.length === 4 ? cidr.network : (to4(cidr.network) ?? cidr.network);
  let mask = cidr.mask;
  if (mask.length === 16 && network.length === 4) mask = mask.subarray(12);
  else if (mask.length === 4 && network.length === 16) return false;
  const address = to4(ip) ?? ip;
  if (address.length !== network.length) return false;
  return address.every((byte, i) => (byte & mask[i]!) === network[i]);
}
