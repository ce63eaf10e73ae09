import { Capture, ENI_A, MIRROR_TARGET, type Scenario } from '../kit.js';
import { ETHERTYPE_IPV4, PROTO_TCP, SYN, ethernet, ipv4, macBytes, mssOption, tcpPacket, tcpSegment } from '../packet-builder.js';
import { ipv4HeaderChecksum, wrapFrame } from '../../../decode/vxlan-encap.js';
import { portFromHash, symmetricHash4, symmetricSourcePortOfFrame } from '../../source-port.js';
import { parseIpv4 } from '../../../net/ip-address.js';
import { IPPROTO_TCP } from '../../../decode/packet-view.js';

const PEER = '198.51.100.23';

function ingressFrame(packet: Uint8Array): Uint8Array {
  return ethernet(macBytes(ENI_A.mac), macBytes(ENI_A.gatewayMac), ETHERTYPE_IPV4, packet);
}

/** An outer frame whose UDP payload is only `payloadLen` (< 8) bytes of a VXLAN header. */
function shortVxlan(payloadLen: number, inner: Uint8Array): Uint8Array {
  const full = new Uint8Array(50);
  wrapFrame(full, inner, 0, 0, { outerSrc: ENI_A.ip, outerDst: MIRROR_TARGET, vni: ENI_A.vni, sport: symmetricSourcePortOfFrame(inner, 0, inner.length) });
  const out = full.slice(0, 42 + payloadLen);
  const ipLen = out.length - 14;
  out[16] = ipLen >> 8;
  out[17] = ipLen & 0xff;
  out[24] = 0;
  out[25] = 0;
  const ck = ipv4HeaderChecksum(out, 14, 20);
  out[24] = ck >> 8;
  out[25] = ck & 0xff;
  out[38] = 0;
  out[39] = 8 + payloadLen;
  return out;
}

export const malformed: Scenario = {
  file: 'malformed.pcap',
  summary: 'Broken VXLAN datagrams: inner IPv4 IHL 3, VXLAN without the I flag, short VXLAN header, inner TCP data offset past the end',
  details: [
    `All from ENI A's session (outer source ${ENI_A.ip}, VNI ${ENI_A.vni}), ${PEER} → ${ENI_A.ip}:22 inside, one per 100 ms:`,
    [
      '1. A well-formed inner TCP SYN (control).',
      '2. Inner IPv4 header with IHL 3 (12 bytes, below the minimum 5): `decoder.ipv4.hlen_too_small`.',
      '3. VXLAN header with flags 0x00 (I flag clear) around an otherwise valid SYN: `decoder.vxlan.no_i_flag` (RFC 7348: the VNI is not valid).',
      '4. A UDP/4789 datagram carrying only 4 bytes (shorter than the 8-byte VXLAN header): `decoder.vxlan.pkt_too_small`.',
      '5. Inner TCP header whose data offset says 60 bytes while the segment has 20: `decoder.tcp.hlen_too_small` (the header runs past the end of the packet).',
    ].join('\n'),
    'The decoder must count each problem and keep going (never throw). tshark flags frames 2, 4 and 5 as malformed or with expert warnings.',
  ].join('\n\n'),
  build(cap: Capture) {
    const rng = cap.rng;
    const sport = rng.ephemeralPort();
    const hdr = { src: PEER, dst: ENI_A.ip, ttl: 50 };
    const syn = () => tcpPacket({ ...hdr, id: rng.int(1, 0xffff) }, { sport, dport: 22, seq: rng.u32(), flags: SYN, window: 64240, options: mssOption(1460) });
    cap.ip(100_000, syn());
    const badIhl = ipv4({ ...hdr, id: rng.int(1, 0xffff) }, PROTO_TCP, tcpSegment(PEER, ENI_A.ip, { sport, dport: 22, seq: rng.u32(), flags: SYN, options: mssOption(1460) }), { ihlOverride: 3 });
    // decode/ rejects these two inner headers, so their outer ports are given here: AWS reads
    // no ports behind an IHL it cannot use (the 3-tuple), but the ports in a TCP header with a
    // bad data offset (the flow's own port).
    const peer = parseIpv4(PEER)!;
    const eni = parseIpv4(ENI_A.ip)!;
    cap.wrapped(200_000, ENI_A, ENI_A.vni, ingressFrame(badIhl), undefined, undefined, portFromHash(symmetricHash4(IPPROTO_TCP, peer, 0, eni, 0)));
    cap.wrapped(300_000, ENI_A, ENI_A.vni, ingressFrame(syn()), undefined, 0x00);
    cap.raw(400_000, shortVxlan(4, ingressFrame(syn())));
    const badOff = tcpPacket({ ...hdr, id: rng.int(1, 0xffff) }, { sport, dport: 22, seq: rng.u32(), flags: SYN, window: 64240, dataOffsetOverride: 15 });
    cap.wrapped(500_000, ENI_A, ENI_A.vni, ingressFrame(badOff), undefined, undefined, portFromHash(symmetricHash4(IPPROTO_TCP, peer, sport, eni, 22)));
  },
};
