/**
 * IPv4/IPv6 addresses and CIDR blocks as mirror filters use them. Addresses become four
 * unsigned 32-bit words (IPv4: word 0 only, the others 0), the same representation as
 * PacketView.src4/src6. Parsing is strict (no leading zeros in IPv4 octets, no zone ids) and
 * never per packet: it runs when a filter is loaded or a `filter explain` packet is parsed.
 */

export type AddressFamily = 4 | 6;

export interface ParsedAddress {
  family: AddressFamily;
  /** Unsigned 32-bit words, network order; IPv4 uses words[0]. */
  words: [number, number, number, number];
}

export interface ParsedCidr extends ParsedAddress {
  prefix: number;
  /** True when the address had bits set beyond the prefix (they are cleared in `words`). */
  hostBitsSet: boolean;
  /** Canonical text of the network: `10.0.0.0/16`, `2001:db8::/32`. */
  text: string;
}

/** Parse a dotted-quad IPv4 address to an unsigned 32-bit number, or -1. */
export function parseIpv4(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) return -1;
  let v = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return -1;
    const n = Number(part);
    if (n > 255) return -1;
    v = v * 256 + n;
  }
  return v;
}

/** Parse an IPv6 address (RFC 4291 text forms, incl. `::` and an IPv4 tail) to 4 words, or null. */
export function parseIpv6(s: string): [number, number, number, number] | null {
  if (s.length === 0 || s.includes('%')) return null;
  const groups: number[] = [];
  let tail = s;
  let v4Tail = -1;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > lastColon) {
    v4Tail = parseIpv4(s.slice(lastColon + 1));
    if (v4Tail < 0) return null;
    tail = s.slice(0, lastColon + 1);
    if (!tail.endsWith('::')) tail = tail.slice(0, -1); // '::1.2.3.4' keeps its '::'
  }
  const dbl = tail.indexOf('::');
  if (dbl >= 0 && tail.indexOf('::', dbl + 1) >= 0) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const want = v4Tail >= 0 ? 6 : 8;
  if (dbl >= 0) {
    const head = parseGroups(tail.slice(0, dbl));
    const rest = parseGroups(tail.slice(dbl + 2));
    if (!head || !rest) return null;
    const fill = want - head.length - rest.length;
    if (fill < 1) return null;
    groups.push(...head);
    for (let i = 0; i < fill; i++) groups.push(0);
    groups.push(...rest);
  } else {
    const all = parseGroups(tail);
    if (!all || all.length !== want) return null;
    groups.push(...all);
  }
  if (v4Tail >= 0) groups.push(Math.floor(v4Tail / 65536), v4Tail % 65536);
  return [
    (groups[0]! * 65536 + groups[1]!) >>> 0,
    (groups[2]! * 65536 + groups[3]!) >>> 0,
    (groups[4]! * 65536 + groups[5]!) >>> 0,
    (groups[6]! * 65536 + groups[7]!) >>> 0,
  ];
}

/** Parse an IPv4 or IPv6 address. */
export function parseAddress(s: string): ParsedAddress | null {
  const t = s.trim();
  if (t.includes(':')) {
    const w = parseIpv6(t);
    return w ? { family: 6, words: w } : null;
  }
  const v = parseIpv4(t);
  return v >= 0 ? { family: 4, words: [v, 0, 0, 0] } : null;
}

export function formatIpv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** RFC 5952 text of 4 words (lower case, longest zero run of >= 2 groups compressed). */
export function formatIpv6(w: ArrayLike<number>): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push((w[i]! >>> 16) & 0xffff, w[i]! & 0xffff);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatAddress(a: ParsedAddress): string {
  return a.family === 4 ? formatIpv4(a.words[0]) : formatIpv6(a.words);
}

/** Mask word `i` (0-3) of a prefix length, as an unsigned 32-bit number. */
export function maskWord(prefix: number, i: number): number {
  const bits = prefix - i * 32;
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/**
 * Parse `addr/prefix` (or a bare address, taken as a host route when `allowBare`). Returns an
 * error string when invalid. Host bits beyond the prefix are cleared and reported.
 */
export function parseCidr(s: string, allowBare = true): ParsedCidr | string {
  const t = s.trim();
  const slash = t.indexOf('/');
  const addrText = slash >= 0 ? t.slice(0, slash) : t;
  const addr = parseAddress(addrText);
  if (!addr) return `'${s}' is not a valid IPv4 or IPv6 CIDR block`;
  const max = addr.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > max) {
      return `'${s}': prefix length must be an integer from 0 to ${max}`;
    }
    prefix = Number(p);
  } else if (!allowBare) {
    return `'${s}' has no prefix length (write ${addrText}/${max} for one address)`;
  }
  const words: [number, number, number, number] = [0, 0, 0, 0];
  let hostBitsSet = false;
  for (let i = 0; i < 4; i++) {
    const m = addr.family === 4 ? (i === 0 ? maskWord(prefix, 0) : 0) : maskWord(prefix, i);
    words[i] = (addr.words[i] & m) >>> 0;
    if (words[i] !== addr.words[i]) hostBitsSet = true;
  }
  const text = `${addr.family === 4 ? formatIpv4(words[0]) : formatIpv6(words)}/${prefix}`;
  return { family: addr.family, words, prefix, hostBitsSet, text };
}

/** Does the address (same family) lie in the CIDR? Slow path (explain, tests, loaders). */
export function cidrContains(c: ParsedCidr, a: ParsedAddress): boolean {
  if (c.family !== a.family) return false;
  const n = c.family === 4 ? 1 : 4;
  for (let i = 0; i < n; i++) {
    const m = c.family === 4 ? maskWord(c.prefix, 0) : maskWord(c.prefix, i);
    if (((a.words[i] & m) >>> 0) !== c.words[i]) return false;
  }
  return true;
}
