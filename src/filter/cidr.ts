/**
 * Old home of address parsing, kept for udp-listener's "-1 when invalid" parseIpv4 and the
 * tuple-returning parseIpv6 (test/filter/cidr.test.ts pins those semantics); everything else
 * imports ../net/cidr.js and ../net/ip-address.js.
 */
import { parseIpv4 as parseIpv4Text, parseIpv6 as parseIpv6Text } from '../net/ip-address.js';

export { maskWord, type ParsedCidr } from '../net/cidr.js';

/** Strict dotted quad to an unsigned 32-bit number, or -1 (udp-listener clamps with Math.max). */
export function parseIpv4(s: string): number {
  return parseIpv4Text(s) ?? -1;
}

/** Strict IPv6 text to 4 words as a tuple, or null. */
export function parseIpv6(s: string): [number, number, number, number] | null {
  const w = parseIpv6Text(s);
  return w ? [w[0]!, w[1]!, w[2]!, w[3]!] : null;
}
