/** Small builders shared by the filter tests. */
import { Direction, PacketView } from '../../src/decode/packet-view.js';
import { parseAddress } from '../../src/net/ip-address.js';
import { parseFilterText } from '../../src/filter/load.js';
import type { MirrorFilter } from '../../src/filter/model.js';

export interface PacketFields {
  src: string;
  dst: string;
  proto: number;
  sport?: number;
  dport?: number;
}

/** A PacketView holding an IP packet (ports -1 unless given). */
export function ipPacket(f: PacketFields, p: PacketView = new PacketView()): PacketView {
  p.reset();
  const s = parseAddress(f.src);
  const d = parseAddress(f.dst);
  if (!s || !d || s.family !== d.family) throw new Error(`bad test addresses ${f.src} ${f.dst}`);
  p.ipVersion = s.family;
  if (s.family === 4) {
    p.src4 = s.words[0];
    p.dst4 = d.words[0];
  } else {
    p.src6.set(s.words);
    p.dst6.set(d.words);
  }
  p.ipProto = f.proto;
  p.sport = f.sport ?? -1;
  p.dport = f.dport ?? -1;
  return p;
}

export const tcp = (src: string, sport: number, dst: string, dport: number) => ipPacket({ src, dst, proto: 6, sport, dport });
export const udp = (src: string, sport: number, dst: string, dport: number) => ipPacket({ src, dst, proto: 17, sport, dport });
export const icmp = (src: string, dst: string) => ipPacket({ src, dst, proto: src.includes(':') ? 58 : 1 });

/** A filter from mirrorsink YAML text (validated by the real loader). */
export function yamlFilter(text: string, strict = false): MirrorFilter {
  return parseFilterText(text, 'test.yaml', { strict }).filter;
}

export const IN = Direction.Ingress;
export const OUT = Direction.Egress;
export const UNKNOWN = Direction.Unknown;
