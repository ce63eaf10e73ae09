/**
 * IPv4/IPv6 CIDR blocks as mirror filters, sessions and the configuration use them. Words are
 * those of ParsedAddress (IPv4: word 0 only), the same representation as PacketView.src4/src6.
 * Parsing is strict (see ParseMode) and never per packet: it runs when a filter or the
 * configuration is loaded or a `filter explain` packet is parsed.
 */
import { formatAddress, parseAddress, type ParsedAddress } from './ip-address.js';

export interface ParsedCidr extends ParsedAddress {
  prefix: number;
  /** True when the address had bits set beyond the prefix (they are cleared in `words`). */
  hostBitsSet: boolean;
  /** Canonical text of the network: `10.0.0.0/16`, `2001:db8::/32`. */
  text: string;
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
  const text = `${formatAddress({ family: addr.family, words })}/${prefix}`;
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
