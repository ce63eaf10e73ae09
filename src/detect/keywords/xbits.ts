/**
 * xbits and hostbits (src/detect-xbits.c, detect-hostbits.c): bits kept per host (source or
 * destination address) or per IP pair rather than per flow, with an expiry.
 *
 *   xbits:<set|unset|toggle|isset|isnotset>,<name>,track <ip_src|ip_dst|ip_pair>[,expire <s>]
 *   xbits:noalert
 *   hostbits:<set|unset|toggle|isset|isnotset>,<name>[,<src|dst|both>]
 *   hostbits:noalert
 *
 * Expiry defaults to 30 s (DETECT_XBITS_EXPIRE_DEFAULT); a bit counts as set while the packet
 * time is before its expiry. hostbits `both` sets/unsets/toggles both hosts and isset holds when
 * either host has the bit (isnotset when neither). The state lives in XbitStore (detect/xbits.ts).
 */
import { invalidValue } from '../rule-error.js';
import { FlowbitCmd } from './flowbits.js';

export const XbitTrack = { IpSrc: 0, IpDst: 1, IpPair: 2, IpBoth: 3 } as const;

export const XBITS_EXPIRE_DEFAULT = 30;

export class XbitOp {
  /** Bit id, assigned when the engine builds its store (names are interned there). */
  bit = -1;
  constructor(
    readonly cmd: number,
    readonly name: string,
    readonly track: number,
    readonly expire: number,
  ) {}

  get isCheck(): boolean {
    return this.cmd === FlowbitCmd.Isset || this.cmd === FlowbitCmd.Isnotset;
  }
}

const CMDS: Record<string, number> = {
  set: FlowbitCmd.Set,
  unset: FlowbitCmd.Unset,
  toggle: FlowbitCmd.Toggle,
  isset: FlowbitCmd.Isset,
  isnotset: FlowbitCmd.Isnotset,
};

/** xbits or hostbits value → op; null for noalert. */
export function parseXbits(keyword: 'xbits' | 'hostbits', value: string): XbitOp | null {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length === 1 && parts[0]!.toLowerCase() === 'noalert') return null;
  const cmd = CMDS[parts[0]!.toLowerCase()];
  if (cmd === undefined) throw invalidValue(keyword, `unknown command '${parts[0]}'`);
  const name = parts[1] ?? '';
  if (!/^[^\s,;|&]+$/.test(name)) throw invalidValue(keyword, `bad or missing name '${name}'`);
  let track: number = XbitTrack.IpSrc;
  let expire = XBITS_EXPIRE_DEFAULT;
  if (keyword === 'hostbits') {
    if (parts.length > 3) throw invalidValue(keyword, `too many options in '${value}'`);
    const d = (parts[2] ?? 'src').toLowerCase();
    if (d === 'src') track = XbitTrack.IpSrc;
    else if (d === 'dst') track = XbitTrack.IpDst;
    else if (d === 'both') track = XbitTrack.IpBoth;
    else throw invalidValue(keyword, `direction '${parts[2]}' is not src, dst or both`);
    return new XbitOp(cmd, name, track, expire);
  }
  let haveTrack = false;
  for (const opt of parts.slice(2)) {
    const words = opt.split(/\s+/);
    if (words[0] === 'track' && words.length === 2) {
      const t = words[1]!.toLowerCase();
      if (t === 'ip_src') track = XbitTrack.IpSrc;
      else if (t === 'ip_dst') track = XbitTrack.IpDst;
      else if (t === 'ip_pair') track = XbitTrack.IpPair;
      else throw invalidValue(keyword, `track '${words[1]}' is not ip_src, ip_dst or ip_pair`);
      haveTrack = true;
    } else if (words[0] === 'expire' && words.length === 2 && /^\d+$/.test(words[1]!)) {
      expire = Number(words[1]);
      if (expire === 0) throw invalidValue(keyword, 'expire 0');
    } else throw invalidValue(keyword, `cannot parse '${opt}' (track ..., expire N)`);
  }
  if (!haveTrack) throw invalidValue(keyword, "needs 'track ip_src|ip_dst|ip_pair'");
  return new XbitOp(cmd, name, track, expire);
}
