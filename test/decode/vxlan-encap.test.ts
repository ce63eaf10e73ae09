import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VXLAN_IPV4_OVERHEAD, ipv4HeaderChecksum, parseMac, truncatedLength, wrapFrame, writeVxlanHeader, writeVxlanPayload } from '../../src/decode/vxlan-encap.js';
import { symmetricSourcePortOfFrame } from '../../src/emulator/source-port.js';
import { buildPcap, LINKTYPE_ETHERNET } from '../../src/output/pcap-writer.js';
import { ACK, ETHERTYPE_IPV4, PSH, SYN, ethernet, macBytes, tcpPacket, udpPacket } from '../../src/emulator/captures/packet-builder.js';
import { tsharkFields } from '../output/tshark.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vxlan-encap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENI_MAC = macBytes('02:00:0a:00:01:0a');
const GW_MAC = macBytes('02:00:0a:00:01:01');

function innerTcp(payloadLen: number): Uint8Array {
  const payload = new Uint8Array(payloadLen).fill(0x41);
  return ethernet(ENI_MAC, GW_MAC, ETHERTYPE_IPV4, tcpPacket({ src: '203.0.113.50', dst: '10.0.1.10', ttl: 52, id: 7, df: true }, { sport: 40001, dport: 80, seq: 1000, ack: 2000, flags: ACK | PSH, payload }));
}

function wrapAll(frames: Uint8Array[], opts: Partial<Parameters<typeof wrapFrame>[4]> = {}): string {
  const out = new Uint8Array(70000);
  const records = frames.map((f, i) => {
    const n = wrapFrame(out, f, 0, f.length, { outerSrc: '10.0.1.10', outerDst: '10.0.100.5', vni: 101, sport: symmetricSourcePortOfFrame(f, 0, f.length), ...opts });
    return { data: out.slice(0, n), tsSec: 1793610000 + i };
  });
  const file = path.join(dir, `w${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(file, buildPcap(records, { linktype: LINKTYPE_ETHERNET }));
  return file;
}

describe('writeVxlanHeader', () => {
  it('writes flags 0x08, reserved zero and the 24-bit VNI', () => {
    const b = new Uint8Array(10).fill(0xee);
    writeVxlanHeader(b, 1, 0xabcdef);
    expect([...b]).toEqual([0xee, 0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0, 0xee]);
    const p = new Uint8Array(20);
    const frame = Uint8Array.from([1, 2, 3, 4, 5]);
    expect(writeVxlanPayload(p, 2, frame, 1, 4, 42, 2)).toBe(10);
    expect([...p.subarray(2, 12)]).toEqual([8, 0, 0, 0, 0, 0, 42, 0, 2, 3]);
  });
});

describe('wrapFrame (checked with tshark)', () => {
  it('builds the AWS outer header: TTL 255, ID 0, DF clear, valid checksum, UDP 4789 checksum 0', () => {
    const f = innerTcp(100);
    const file = wrapAll([f], { vni: 3000001 });
    const [outer] = tsharkFields(
      file,
      ['vxlan.vni', 'vxlan.flags', 'ip.ttl', 'ip.id', 'ip.flags.df', 'ip.checksum.status', 'udp.dstport', 'udp.checksum', 'udp.length', 'ip.len', 'eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'frame.len'],
      { occurrence: 'f', extra: ['-o', 'ip.check_checksum:TRUE'] },
    );
    expect(outer).toEqual(['3000001', '0x0800', '255', '0x0000', '0', '1', '4789', '0x0000', String(8 + 8 + f.length), String(20 + 8 + 8 + f.length), '02:00:0a:00:01:0a', '02:00:0a:00:64:05', '10.0.1.10', '10.0.100.5', String(50 + f.length)]);
    const [inner] = tsharkFields(file, ['ip.src', 'ip.dst', 'ip.ttl', 'tcp.srcport', 'tcp.dstport', 'tcp.len', 'eth.src', 'eth.dst', 'ip.len'], { occurrence: 'l' });
    expect(inner).toEqual(['203.0.113.50', '10.0.1.10', '52', '40001', '80', '100', '02:00:0a:00:01:01', '02:00:0a:00:01:0a', String(40 + 100)]);
  });

  it('uses the given MACs and source port', () => {
    const f = innerTcp(10);
    const file = wrapAll([f], { srcMac: '06:1d:3c:34:d0:77', dstMac: parseMac('06:e2:43:9c:ff:5e'), sport: 65470 });
    expect(tsharkFields(file, ['eth.src', 'eth.dst', 'udp.srcport'], { occurrence: 'f' })).toEqual([['06:1d:3c:34:d0:77', '06:e2:43:9c:ff:5e', '65470']]);
  });

  it('truncates to PacketLength bytes after the VXLAN header; inner IP keeps its total length', () => {
    const big = innerTcp(1460); // 1514-byte frame, inner ip.len 1500
    const small = innerTcp(10); // 64 bytes: not cut
    const file = wrapAll([big, small], { packetLength: 128 });
    const rows = tsharkFields(file, ['frame.len', 'frame.cap_len', 'ip.len', 'udp.length'], { occurrence: 'a' });
    expect(rows[0]).toEqual([String(50 + 128), String(50 + 128), `${20 + 8 + 8 + 128},1500`, String(8 + 8 + 128)]);
    expect(rows[1]).toEqual([String(50 + 64), String(50 + 64), `${20 + 8 + 8 + 64},50`, String(8 + 8 + 64)]);
    // the cut inner bytes are the first 128 bytes of the frame
    const out = new Uint8Array(2000);
    const n = wrapFrame(out, big, 0, big.length, { outerSrc: '10.0.1.10', outerDst: '10.0.100.5', vni: 101, sport: 65408, packetLength: 128 });
    expect(n).toBe(178);
    expect(Buffer.from(out.subarray(50, 178)).equals(Buffer.from(big.subarray(0, 128)))).toBe(true);
    expect(truncatedLength(100, 0)).toBe(100);
    expect(truncatedLength(100, 200)).toBe(100);
  });

  it('writes at an output offset and from an input offset', () => {
    const f = innerTcp(20);
    const src = new Uint8Array(f.length + 30);
    src.set(f, 30);
    const out = new Uint8Array(300).fill(0xaa);
    const n = wrapFrame(out, src, 30, f.length, { outerSrc: 0x0a00010a, outerDst: '10.0.100.5', vni: 7, sport: 65500 }, 17);
    expect(n).toBe(VXLAN_IPV4_OVERHEAD + f.length);
    expect(out[16]).toBe(0xaa);
    expect(out[17 + 26]).toBe(10); // outer source 10.0.1.10 from the numeric form
    expect(ipv4HeaderChecksum(out, 17 + 14, 20)).toBe(0); // checksum over a valid header is 0
    expect(Buffer.from(out.subarray(17 + 50, 17 + n)).equals(Buffer.from(f))).toBe(true);
    expect(out[17 + n]).toBe(0xaa);
  });

  it('rejects a VNI over 24 bits, a bad address and a too small buffer', () => {
    const f = innerTcp(0);
    const opts = { outerSrc: '10.0.1.10', outerDst: '10.0.100.5', vni: 1, sport: 65408 };
    expect(() => wrapFrame(new Uint8Array(200), f, 0, f.length, { ...opts, vni: 1 << 24 })).toThrow(/VNI/);
    expect(() => wrapFrame(new Uint8Array(200), f, 0, f.length, { ...opts, outerSrc: '10.0.1' })).toThrow(/IPv4/);
    expect(() => wrapFrame(new Uint8Array(60), f, 0, f.length, opts)).toThrow(/too small/);
  });

  it('wraps UDP and SYN frames so tshark sees the inner protocol', () => {
    const udp = ethernet(GW_MAC, ENI_MAC, ETHERTYPE_IPV4, udpPacket({ src: '10.0.1.10', dst: '10.0.0.2', id: 1 }, 40000, 53, new Uint8Array(12)));
    const syn = ethernet(ENI_MAC, GW_MAC, ETHERTYPE_IPV4, tcpPacket({ src: '198.51.100.1', dst: '10.0.1.10' }, { sport: 1234, dport: 22, seq: 1, flags: SYN }));
    const file = wrapAll([udp, syn]);
    expect(tsharkFields(file, ['frame.protocols'])).toEqual([['eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:udp:dns'], ['eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp']]);
  });
});
