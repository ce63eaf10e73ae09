import { describe, expect, it } from 'vitest';
import { portFromHash, symmetricFrameHash, symmetricSourcePort, symmetricSourcePortOfFrame } from '../../src/emulator/source-port.js';
import {
  ACK,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  PROTO_ICMPV6,
  PROTO_UDP,
  SYN,
  concat,
  ethernet,
  fragmentHeader,
  hopByHopHeader,
  icmpPacket,
  icmpv6Message,
  ipv4,
  ipv6,
  macBytes,
  tcpPacket,
  u16,
  u8,
  udpDatagram,
  udpPacket,
} from '../../src/emulator/captures/packet-builder.js';
import { PacketView } from '../../src/decode/packet-view.js';
import { DecodeCounters } from '../../src/decode/decode-events.js';
import { decodeFrame } from '../../src/decode/decoder.js';

const A = macBytes('02:00:0a:00:01:0a');
const B = macBytes('02:00:0a:00:01:01');

const eth4 = (p: Uint8Array, rev = false) => (rev ? ethernet(B, A, ETHERTYPE_IPV4, p) : ethernet(A, B, ETHERTYPE_IPV4, p));
const eth6 = (p: Uint8Array, rev = false) => (rev ? ethernet(B, A, ETHERTYPE_IPV6, p) : ethernet(A, B, ETHERTYPE_IPV6, p));
const port = (f: Uint8Array) => symmetricSourcePortOfFrame(f, 0, f.length);

function viewPort(f: Uint8Array): number {
  const p = new PacketView();
  p.setFrame(f, 0, f.length, f.length, 1);
  decodeFrame(p, new DecodeCounters());
  return symmetricSourcePort(p);
}

/** A pair of frames: one direction of a flow and the reverse. */
function pairs(): [string, Uint8Array, Uint8Array][] {
  return [
    ['tcp4', eth4(tcpPacket({ src: '10.0.1.10', dst: '203.0.113.50' }, { sport: 80, dport: 40000, seq: 1, ack: 2, flags: SYN | ACK })), eth4(tcpPacket({ src: '203.0.113.50', dst: '10.0.1.10' }, { sport: 40000, dport: 80, seq: 2, flags: SYN }), true)],
    ['udp4', eth4(udpPacket({ src: '10.0.1.10', dst: '10.0.0.2' }, 5353, 53, new Uint8Array(20))), eth4(udpPacket({ src: '10.0.0.2', dst: '10.0.1.10' }, 53, 5353, new Uint8Array(40)), true)],
    ['same-address tcp', eth4(tcpPacket({ src: '127.0.0.1', dst: '127.0.0.1' }, { sport: 1000, dport: 2000, seq: 1, flags: SYN })), eth4(tcpPacket({ src: '127.0.0.1', dst: '127.0.0.1' }, { sport: 2000, dport: 1000, seq: 1, flags: SYN | ACK }), true)],
    ['icmp echo', eth4(icmpPacket({ src: '10.0.2.20', dst: '10.0.1.1' }, 8, 0, concat(u16(77), u16(1)), new Uint8Array(8))), eth4(icmpPacket({ src: '10.0.1.1', dst: '10.0.2.20' }, 0, 0, concat(u16(77), u16(1)), new Uint8Array(8)), true)],
    ['gre (3-tuple)', eth4(ipv4({ src: '10.0.1.10', dst: '192.0.2.9' }, 47, new Uint8Array(16))), eth4(ipv4({ src: '192.0.2.9', dst: '10.0.1.10' }, 47, new Uint8Array(24)), true)],
    ['tcp6', eth6(tcpPacket({ src: '2001:db8:1::10', dst: '2001:db8:ff::7' }, { sport: 443, dport: 50000, seq: 1, flags: ACK })), eth6(tcpPacket({ src: '2001:db8:ff::7', dst: '2001:db8:1::10' }, { sport: 50000, dport: 443, seq: 1, flags: ACK }), true)],
    [
      'icmpv6 echo',
      eth6(ipv6({ src: '2001:db8:ff::7', dst: '2001:db8:1::10' }, PROTO_ICMPV6, icmpv6Message('2001:db8:ff::7', '2001:db8:1::10', 128, 0, concat(u16(5), u16(1)), new Uint8Array(8)))),
      eth6(ipv6({ src: '2001:db8:1::10', dst: '2001:db8:ff::7' }, PROTO_ICMPV6, icmpv6Message('2001:db8:1::10', '2001:db8:ff::7', 129, 0, concat(u16(5), u16(1)), new Uint8Array(8))), true),
    ],
    [
      'udp6 behind hop-by-hop',
      eth6(ipv6({ src: '2001:db8:ff::7', dst: '2001:db8:1::10' }, PROTO_UDP, udpDatagram('2001:db8:ff::7', '2001:db8:1::10', 1111, 2222, new Uint8Array(4)), [hopByHopHeader(u8(5, 2, 0, 0))])),
      eth6(udpPacket({ src: '2001:db8:1::10', dst: '2001:db8:ff::7' }, 2222, 1111, new Uint8Array(4)), true),
    ],
  ];
}

describe('symmetric outer source port', () => {
  for (const [name, fwd, rev] of pairs()) {
    it(`${name}: both directions give the same port, in 65408-65535`, () => {
      const p = port(fwd);
      expect(p).toBe(port(rev));
      expect(p).toBeGreaterThanOrEqual(65408);
      expect(p).toBeLessThanOrEqual(65535);
      expect(p & 0xff80).toBe(0xff80);
    });
    it(`${name}: the decoded-PacketView form agrees with the raw-frame form`, () => {
      expect(viewPort(fwd)).toBe(port(fwd));
      expect(viewPort(rev)).toBe(port(rev));
    });
  }

  it('depends on the ports (5-tuple) for TCP/UDP', () => {
    const seen = new Set<number>();
    for (let sp = 30000; sp < 31000; sp++) {
      seen.add(port(eth4(tcpPacket({ src: '10.0.1.10', dst: '203.0.113.50' }, { sport: 80, dport: sp, seq: 1, flags: ACK }))));
    }
    // 1000 flows over 128 ports: a decent hash reaches (nearly) all of them
    expect(seen.size).toBeGreaterThan(120);
  });

  it('gives every fragment of a datagram the same port', () => {
    const d = udpDatagram('2001:db8:ff::7', '2001:db8:1::10', 4000, 5001, new Uint8Array(64));
    const f1 = eth6(ipv6({ src: '2001:db8:ff::7', dst: '2001:db8:1::10' }, PROTO_UDP, d.subarray(0, 32), [fragmentHeader(0, true, 99)]));
    const f2 = eth6(ipv6({ src: '2001:db8:ff::7', dst: '2001:db8:1::10' }, PROTO_UDP, d.subarray(32), [fragmentHeader(32, false, 99)]));
    expect(port(f1)).toBe(port(f2));
    const v1 = eth4(ipv4({ src: '10.0.1.10', dst: '192.0.2.9', id: 5 }, PROTO_UDP, udpDatagram('10.0.1.10', '192.0.2.9', 1, 2, new Uint8Array(16)).subarray(0, 16), { mf: true }));
    const v2 = eth4(ipv4({ src: '10.0.1.10', dst: '192.0.2.9', id: 5 }, PROTO_UDP, new Uint8Array(8), { fragOffset: 16 }));
    expect(port(v1)).toBe(port(v2));
    expect(viewPort(v1)).toBe(port(v1));
    expect(viewPort(v2)).toBe(port(v2));
  });

  it('keeps the ports of an IPv6 atomic fragment (offset 0, M clear), in both forms', () => {
    const d = udpDatagram('2001:db8:ff::7', '2001:db8:1::10', 4000, 5001, new Uint8Array(8));
    const atomic = eth6(ipv6({ src: '2001:db8:ff::7', dst: '2001:db8:1::10' }, PROTO_UDP, d, [fragmentHeader(0, false, 7)]));
    const plain = eth6(ipv6({ src: '2001:db8:ff::7', dst: '2001:db8:1::10' }, PROTO_UDP, d));
    expect(port(atomic)).toBe(port(plain));
    expect(viewPort(atomic)).toBe(port(plain));
  });

  it('hashes a frame that is itself VXLAN by its own UDP flow (AWS does not open it)', () => {
    const inner = eth4(tcpPacket({ src: '10.9.9.9', dst: '10.8.8.8' }, { sport: 1, dport: 2, seq: 1, flags: SYN }));
    const vx = eth4(udpPacket({ src: '10.0.1.10', dst: '10.0.100.5' }, 65500, 4789, concat(u8(8, 0, 0, 0, 0, 0, 7, 0), inner)));
    const sameFlow = eth4(udpPacket({ src: '10.0.1.10', dst: '10.0.100.5' }, 65500, 4789, new Uint8Array(4)));
    expect(port(vx)).toBe(port(sameFlow));
  });

  it('hashes non-IP frames by MAC pair and EtherType, symmetrically', () => {
    const arp = ethernet(A, B, 0x0806, new Uint8Array(28));
    const arpRev = ethernet(B, A, 0x0806, new Uint8Array(28));
    expect(port(arp)).toBe(port(arpRev));
    expect(viewPort(arp)).toBe(port(arp));
  });

  it('skips VLAN tags and never throws on short or junk input', () => {
    const inner = tcpPacket({ src: '10.0.1.10', dst: '203.0.113.50' }, { sport: 80, dport: 40000, seq: 1, flags: ACK });
    const tagged = concat(A, B, u16(0x8100), u16(100), u16(ETHERTYPE_IPV4), inner);
    expect(port(tagged)).toBe(port(eth4(inner)));
    for (let n = 0; n < 80; n++) {
      const junk = tagged.subarray(0, n);
      expect(portFromHash(symmetricFrameHash(junk, 0, junk.length)) & 0xff80).toBe(0xff80);
    }
  });
});

describe('captures/ outer ports = symmetricSourcePort of the decoded inner packet', () => {
  it('holds for every well-formed packet of every generated capture', async () => {
    const { readdirSync } = await import('node:fs');
    const path = await import('node:path');
    const { readCaptureFile } = await import('../../src/source/capture-file.js');
    const { REPO_ROOT } = await import('../helpers/corpus.js');
    const dir = path.join(REPO_ROOT, 'captures');
    let checked = 0;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.pcap'))) {
      const p = new PacketView();
      const c = new DecodeCounters();
      readCaptureFile(path.join(dir, f), {
        onFrame(buf, offset, caplen, wirelen, linktype) {
          p.setFrame(buf, offset, caplen, wirelen, linktype);
          decodeFrame(p, c);
          if (p.vni < 0 || p.error !== 0) return;
          expect(symmetricSourcePort(p), `${f}`).toBe(p.outerSport);
          checked++;
        },
      });
    }
    expect(checked).toBeGreaterThan(3000);
  });
});
