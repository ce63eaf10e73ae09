/**
 * IP addresses as text, for output, logs and tests (not the per-packet path: these build
 * strings). IPv6 follows RFC 5952 the way glibc's inet_ntop (and so tshark/tcpdump) prints it:
 * lowercase, the longest run of two or more zero groups (the first on a tie) becomes "::",
 * and IPv4-mapped (::ffff:a.b.c.d) / IPv4-compatible (::a.b.c.d) addresses end in dotted quad.
 */

/** An IPv4 address held as an unsigned 32-bit number (network order: first octet highest). */
export function ipv4ToString(addr: number): string {
  return `${(addr >>> 24) & 0xff}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/** Read 16 bytes at `offset` as four network-order 32-bit words (word 0 most significant). */
function groupsOf(addr: Uint32Array | Uint8Array, offset: number): number[] {
  const g = new Array<number>(8);
  if (addr instanceof Uint32Array) {
    for (let i = 0; i < 4; i++) {
      const w = addr[offset + i]! >>> 0;
      g[2 * i] = w >>> 16;
      g[2 * i + 1] = w & 0xffff;
    }
  } else {
    for (let i = 0; i < 8; i++) g[i] = (addr[offset + 2 * i]! << 8) | addr[offset + 2 * i + 1]!;
  }
  return g;
}

/**
 * An IPv6 address, either as four 32-bit words (PacketView.src6 style) or as 16 bytes in a
 * buffer starting at `offset`.
 */
export function ipv6ToString(addr: Uint32Array | Uint8Array, offset = 0): string {
  const g = groupsOf(addr, offset);
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
  const embedV4 = bestStart === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff));

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

/** Either family, from the PacketView style fields. */
export function ipToString(version: number, v4: number, v6: Uint32Array): string | null {
  if (version === 4) return ipv4ToString(v4);
  if (version === 6) return ipv6ToString(v6);
  return null;
}
