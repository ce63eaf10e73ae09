/**
 * Which bytes of a packet a pcap output stores: the decapsulated inner frame (what the
 * mirrored ENI saw) or the outer packet as the sink received it. Works on the PacketView's
 * offsets only; the caller copies `[start, start + caplen)` of `buf`.
 *
 * UDP-socket datagrams carry no outer IP/UDP header (the kernel removed it): in outer mode
 * they are rebuilt as AWS sends them (Ethernet/IPv4/UDP around the VXLAN header) into a
 * scratch buffer from the outer addresses and ports the socket reported.
 */
import { TunnelKind, type PacketView } from '../decode/packet-view.js';
import { LINKTYPE_ETHERNET, LINKTYPE_RAW } from './pcap-writer.js';
import { wrapFrame, type WrapOptions } from '../decode/vxlan-encap.js';

export type PcapMode = 'inner' | 'outer';

/** Datagram frames from the UDP socket (pipeline.ts LINKTYPE_NONE). */
const LINKTYPE_NONE = -1;

export class FrameBytes {
  buf: Uint8Array = new Uint8Array(0);
  start = 0;
  caplen = 0;
  wirelen = 0;
  linktype = LINKTYPE_ETHERNET;
  private readonly scratch = new Uint8Array(65536 + 64);
  private readonly wrap: WrapOptions = { outerSrc: 0, outerDst: 0, vni: 0, sport: 0 };

  /** Point at the bytes to store for `p`; false when there is nothing storable. */
  select(p: PacketView, mode: PcapMode): boolean {
    const frameEnd = p.frameOffset + p.caplen;
    if (mode === 'outer') {
      if (p.linktype !== LINKTYPE_NONE) {
        this.set(p.buf, p.frameOffset, p.caplen, p.wirelen, p.linktype);
        return true;
      }
      if (p.tunnel !== TunnelKind.Vxlan || p.outerIpVersion !== 4) return false;
      const w = this.wrap;
      w.outerSrc = p.outerSrc4;
      w.outerDst = p.outerDst4;
      w.vni = p.vni;
      w.sport = p.outerSport;
      w.dport = p.outerDport;
      const innerLen = frameEnd - p.tunnelPayloadOffset;
      if (innerLen < 0 || innerLen + 50 > this.scratch.length) return false;
      const n = wrapFrame(this.scratch, p.buf, p.tunnelPayloadOffset, innerLen, w);
      this.set(this.scratch, 0, n, n + (p.wirelen - p.caplen), LINKTYPE_ETHERNET);
      return true;
    }
    if (p.tunnel === TunnelKind.None) {
      if (p.linktype === LINKTYPE_NONE) return false;
      this.set(p.buf, p.frameOffset, p.caplen, p.wirelen, p.linktype);
      return true;
    }
    let start: number;
    let linktype: number;
    if (p.l2Offset >= 0) {
      start = p.l2Offset;
      linktype = LINKTYPE_ETHERNET;
    } else if (p.ipVersion !== 0) {
      start = p.l3Offset;
      linktype = LINKTYPE_RAW;
    } else {
      return false;
    }
    if (start > frameEnd) return false;
    const cut = start - p.frameOffset;
    this.set(p.buf, start, frameEnd - start, Math.max(frameEnd - start, p.wirelen - cut), linktype);
    return true;
  }

  private set(buf: Uint8Array, start: number, caplen: number, wirelen: number, linktype: number): void {
    this.buf = buf;
    this.start = start;
    this.caplen = caplen;
    this.wirelen = wirelen;
    this.linktype = linktype;
  }
}
