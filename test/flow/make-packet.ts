/**
 * Fill the reused PacketView by hand as the decoders would, so flow tests do not depend on the
 * decoders. Only the fields the flow stage reads are set.
 */
import { PacketView, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../../src/decode/packet-view.js';
import { parseIpv4, parseIpv6 } from '../../src/net/ip-address.js';

export interface PktSpec {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  proto?: 'tcp' | 'udp' | 'icmp' | number;
  flags?: number;
  ts: number;
  nsec?: number;
  len?: number;
  vni?: number;
  session?: number;
  /** Direction relative to the ENI: 1 ingress, 2 egress. */
  dir?: number;
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  fragOffset?: number;
}

export function fill(p: PacketView, s: PktSpec): PacketView {
  p.reset();
  p.tsSec = Math.floor(s.ts);
  p.tsNsec = s.nsec ?? Math.round((s.ts - Math.floor(s.ts)) * 1e9);
  const v6 = s.src.includes(':');
  p.ipVersion = v6 ? 6 : 4;
  if (v6) {
    p.src6.set(parseIpv6(s.src, 'lenient')!);
    p.dst6.set(parseIpv6(s.dst, 'lenient')!);
  } else {
    p.src4 = parseIpv4(s.src, 'lenient')!;
    p.dst4 = parseIpv4(s.dst, 'lenient')!;
  }
  const proto = s.proto ?? 'tcp';
  p.ipProto =
    proto === 'tcp' ? IPPROTO_TCP : proto === 'udp' ? IPPROTO_UDP : proto === 'icmp' ? (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP) : proto;
  if (p.ipProto === IPPROTO_TCP || p.ipProto === IPPROTO_UDP) {
    p.sport = s.sport ?? 0;
    p.dport = s.dport ?? 0;
  }
  if (p.ipProto === IPPROTO_TCP) p.tcpFlags = s.flags ?? 0;
  if (p.ipProto === IPPROTO_ICMP || p.ipProto === IPPROTO_ICMPV6) {
    p.icmpType = s.icmpType ?? 8;
    p.icmpCode = s.icmpCode ?? 0;
    p.icmpId = s.icmpId ?? 1;
    p.icmpSeq = 1;
  }
  if (s.fragOffset !== undefined) {
    p.isFragment = true;
    p.fragOffset = s.fragOffset;
    if (s.fragOffset > 0) {
      p.sport = -1;
      p.dport = -1;
    }
  }
  p.ipLen = s.len ?? 60;
  p.vni = s.vni ?? 100;
  p.sessionIndex = s.session ?? 0;
  p.direction = (s.dir ?? 1) as PacketView['direction'];
  return p;
}

/** Swap src/dst (and ports) of a spec: the reply direction. */
export function reply(s: PktSpec, over: Partial<PktSpec> = {}): PktSpec {
  return { ...s, src: s.dst, dst: s.src, sport: s.dport, dport: s.sport, ...over };
}
