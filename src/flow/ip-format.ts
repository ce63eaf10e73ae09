/**
 * Address text for outputs (never on the per-packet path). Two IPv6 spellings exist because the
 * two formats we imitate differ: Suricata's EVE prints eight zero-padded groups
 * ("2001:0db8:0000:...") while VPC Flow Logs and humans use the RFC 5952 compressed form.
 * Parsing is here too: the query language's isIpInSubnet and the tests need it.
 */

import { ipv4ToString, ipv6ToString } from '../decode/address-format.js';

/** Dotted quad of an unsigned 32-bit IPv4 address. */
export function formatIpv4(u32: number): string {
  return ipv4ToString(u32);
}

export type Ipv6Style = 'compressed' | 'full';

/** IPv6 text from four 32-bit words (word 0 most significant) starting at words[off]. The
 *  compressed form is the decoder's (inet_ntop's, so it matches tshark). */
export function formatIpv6(words: Uint32Array, off = 0, style: Ipv6Style = 'compressed'): string {
  if (style === 'compressed') return ipv6ToString(words, off);
  const g: string[] = [];
  for (let i = 0; i < 4; i++) {
    const w = words[off + i]! >>> 0;
    g.push((w >>> 16).toString(16).padStart(4, '0'), (w & 0xffff).toString(16).padStart(4, '0'));
  }
  return g.join(':');
}

/** Parse dotted-quad IPv4 to an unsigned 32-bit number; null when not valid. */
export function parseIpv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    v = v * 256 + o;
  }
  return v;
}

/** Parse IPv6 text (with "::" and an optional dotted IPv4 tail) into four words; null when invalid. */
export function parseIpv6(text: string): Uint32Array | null {
  let s = text;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const groups: number[] = [];
  const parseSide = (part: string, allowV4: boolean): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (allowV4 && i === items.length - 1 && it.includes('.')) {
        const v4 = parseIpv4(it);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
      out.push(parseInt(it, 16));
    }
    return out;
  };
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return null;
    const head = parseSide(s.slice(0, dbl), false);
    const tail = parseSide(s.slice(dbl + 2), true);
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    const all = parseSide(s, true);
    if (!all || all.length !== 8) return null;
    groups.push(...all);
  }
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  return w;
}
