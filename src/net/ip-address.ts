/**
 * IP addresses as text and as numbers, for every stage (never on the per-packet path: these
 * parse or build strings). The numbers are PacketView's: IPv4 is an unsigned 32-bit value
 * (first octet highest); IPv6 is four unsigned 32-bit words, word 0 most significant.
 *
 * IPv6 text comes in three spellings because the formats we imitate differ (see Ipv6Style).
 * Parsing comes in two strictnesses because AWS mirror filters reject what the query language
 * and configuration targets have always accepted (see ParseMode).
 */

export type AddressFamily = 4 | 6;

/** An address of either family as filters and CIDRs hold it. */
export interface ParsedAddress {
  family: AddressFamily;
  /** Unsigned 32-bit words, network order; IPv4 uses words[0], the others are 0. */
  words: [number, number, number, number];
}

// ---- numbers → text ----

/** Dotted quad of an unsigned (or signed: only the low 32 bits count) 32-bit IPv4 address. */
export function formatIpv4(u32: number): string {
  return `${(u32 >>> 24) & 0xff}.${(u32 >>> 16) & 0xff}.${(u32 >>> 8) & 0xff}.${u32 & 0xff}`;
}

/**
 * - `compressed`: RFC 5952 as glibc's inet_ntop prints it, so it matches tshark/tcpdump:
 *   lowercase, the longest run of two or more zero groups (the first on a tie) becomes "::",
 *   and IPv4-mapped (::ffff:a.b.c.d) / IPv4-compatible (::a.b.c.d) addresses end in a dotted
 *   quad. Decoder output, VPC Flow Logs, the query language.
 * - `compressed-hex`: the same compression but every group in hex, never a dotted tail; the
 *   canonical text of mirror-filter addresses and CIDRs (filter explain/export messages).
 * - `full`: eight zero-padded groups ("2001:0db8:0000:..."), as Suricata's EVE writes them.
 */
export type Ipv6Style = 'compressed' | 'compressed-hex' | 'full';

/** Eight 16-bit groups: from 16 bytes when `addr` is a Uint8Array, else from four words. */
function groupsOf(addr: ArrayLike<number>, offset: number): number[] {
  const g = new Array<number>(8);
  if (addr instanceof Uint8Array) {
    for (let i = 0; i < 8; i++) g[i] = (addr[offset + 2 * i]! << 8) | addr[offset + 2 * i + 1]!;
  } else {
    for (let i = 0; i < 4; i++) {
      const w = addr[offset + i]! >>> 0;
      g[2 * i] = w >>> 16;
      g[2 * i + 1] = w & 0xffff;
    }
  }
  return g;
}

/**
 * IPv6 text of four 32-bit words (PacketView.src6, ParsedAddress.words) starting at
 * `addr[offset]`, or of 16 bytes starting at `addr[offset]` when `addr` is a Uint8Array.
 */
export function formatIpv6(addr: ArrayLike<number>, offset = 0, style: Ipv6Style = 'compressed'): string {
  const g = groupsOf(addr, offset);
  if (style === 'full') return g.map((x) => x.toString(16).padStart(4, '0')).join(':');

  // Longest run of zero groups (length >= 2); ties go to the first run.
  let bestStart = -1;
  let bestLen = 0;
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
  if (bestLen < 2) bestStart = -1;

  // inet_ntop prints the low 32 bits as dotted quad for ::ffff:0:0/96 and ::/96 (except ::, ::1-like).
  const embedV4 = style === 'compressed' && bestStart === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff));

  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (embedV4 && i === 6) {
      if (!out.endsWith(':')) out += ':';
      out += `${g[6]! >>> 8}.${g[6]! & 0xff}.${g[7]! >>> 8}.${g[7]! & 0xff}`;
      break;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += g[i]!.toString(16);
  }
  return out;
}

/** Either family from PacketView-style fields (inet_ntop spelling); null for another version. */
export function formatIp(version: number, v4: number, v6: Uint32Array): string | null {
  if (version === 4) return formatIpv4(v4);
  if (version === 6) return formatIpv6(v6);
  return null;
}

/** Filter/CIDR text of an address (IPv6 as `compressed-hex`). */
export function formatAddress(a: ParsedAddress): string {
  return a.family === 4 ? formatIpv4(a.words[0]) : formatIpv6(a.words, 0, 'compressed-hex');
}

// ---- text → numbers ----

/**
 * - `strict`: what AWS accepts in mirror filters: no leading zeros in IPv4 octets ("01.2.3.4"
 *   is refused, not read as octal or decimal), no IPv6 zone id ("fe80::1%eth0").
 * - `lenient`: leading zeros read as decimal, an IPv6 zone id is dropped. The query language
 *   (isValidIpv4, isIpInSubnet), VXLAN output targets and capture builders have always
 *   accepted these.
 */
export type ParseMode = 'strict' | 'lenient';

const IPV4_OCTET: Record<ParseMode, RegExp> = {
  strict: /^(0|[1-9][0-9]{0,2})$/,
  lenient: /^[0-9]{1,3}$/,
};

/** Dotted-quad IPv4 to an unsigned 32-bit number; null when not valid. */
export function parseIpv4(text: string, mode: ParseMode = 'strict'): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (const part of parts) {
    if (!IPV4_OCTET[mode].test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

/** RFC 4291 IPv6 text (with "::" and an optional dotted IPv4 tail) to four words; null when invalid. */
export function parseIpv6(text: string, mode: ParseMode = 'strict'): Uint32Array | null {
  let s = text;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    if (mode === 'strict') return null;
    s = s.slice(0, pct);
  }
  if (s.length === 0) return null;
  let tail = s;
  let v4Tail: number | null = null;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > lastColon) {
    v4Tail = parseIpv4(s.slice(lastColon + 1), mode);
    if (v4Tail === null) return null;
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
  const want = v4Tail !== null ? 6 : 8;
  const groups: number[] = [];
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
  if (v4Tail !== null) groups.push(v4Tail >>> 16, v4Tail & 0xffff);
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = groups[2 * i]! * 65536 + groups[2 * i + 1]!;
  return w;
}

/** An IPv4 or IPv6 address as a mirror filter takes it (strict; surrounding blanks ignored). */
export function parseAddress(text: string): ParsedAddress | null {
  const t = text.trim();
  if (t.includes(':')) {
    const w = parseIpv6(t);
    return w ? { family: 6, words: [w[0]!, w[1]!, w[2]!, w[3]!] } : null;
  }
  const v = parseIpv4(t);
  return v !== null ? { family: 4, words: [v, 0, 0, 0] } : null;
}
