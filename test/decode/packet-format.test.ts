import { describe, expect, it } from 'vitest';
import { formatPacketJson, formatPacketLine, formatTimestamp, tcpFlagsToString } from '../../src/decode/packet-format.js';
import { awsVxlan, bytes, decode, eth, icmp, innerTcpFrame, ipv4, ipv6, tcp, udp } from './builders.js';

describe('packet formatting', () => {
  it('prints timestamps with exactly nine fraction digits by integer math', () => {
    expect(formatTimestamp(1418145369, 924505488)).toBe('1418145369.924505488');
    expect(formatTimestamp(4294967296, 1)).toBe('4294967296.000000001');
    expect(formatTimestamp(0, 0)).toBe('0.000000000');
  });

  it('writes the JSON keys in the documented order with the documented values', () => {
    const { p } = decode(awsVxlan(eth({ type: 0x0800, vlans: [{ id: 12 }] }, ipv4({ proto: 6, src: '192.168.1.1', dst: '192.168.1.2' }, tcp({ sport: 1, dport: 2, flags: 0x12 }))), 3000001));
    p.frameNo = 4;
    p.tsSec = 1418145369;
    p.tsNsec = 924505488;
    const text = formatPacketJson(p);
    expect(text.startsWith('{"n":4,"ts":1418145369.924505488,')).toBe(true);
    const obj = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(obj)).toEqual(['n', 'ts', 'vni', 'outer', 'src', 'dst', 'proto', 'sport', 'dport', 'icmp_type', 'icmp_code', 'tcp_flags', 'ip_len', 'frag', 'vlan', 'truncated', 'error']);
    expect(obj).toEqual({
      n: 4,
      ts: 1418145369.924505488,
      vni: 3000001,
      outer: { src: '10.0.1.10', dst: '10.0.2.20', sport: 65500, dport: 4789 },
      src: '192.168.1.1',
      dst: '192.168.1.2',
      proto: 6,
      sport: 1,
      dport: 2,
      icmp_type: null,
      icmp_code: null,
      tcp_flags: 0x12,
      ip_len: 40,
      frag: false,
      vlan: [12],
      truncated: false,
      error: null,
    });
  });

  it('uses null for what a packet does not have', () => {
    const arp = JSON.parse(formatPacketJson(decode(eth({ type: 0x0806 }, new Uint8Array(28))).p)) as Record<string, unknown>;
    expect(arp).toMatchObject({ vni: null, outer: null, src: null, dst: null, proto: null, sport: null, dport: null, icmp_type: null, tcp_flags: null, ip_len: null, vlan: [], error: null });
    const ping = JSON.parse(formatPacketJson(decode(eth({ type: 0x86dd }, ipv6({ nh: 58, src: 'fe80::1', dst: 'ff02::1' }, icmp({ type: 128 })))).p)) as Record<string, unknown>;
    expect(ping).toMatchObject({ src: 'fe80::1', dst: 'ff02::1', proto: 58, icmp_type: 128, icmp_code: 0, sport: null, tcp_flags: null, ip_len: 48 });
    const bad = JSON.parse(formatPacketJson(decode(eth({ type: 0x0800 }, ipv4({ proto: 6 }, tcp({ dataOffset: 2 })))).p)) as Record<string, unknown>;
    expect(bad).toMatchObject({ proto: 6, sport: null, tcp_flags: null, error: 'tcp.hlen_too_small' });
  });

  it('prints one readable line', () => {
    const { p } = decode(awsVxlan(innerTcpFrame(bytes(1, 2, 3), { flags: 0x18 }), 7));
    p.tsSec = 1;
    p.tsNsec = 5;
    expect(formatPacketLine(p)).toBe('1.000000005 vni 7 192.168.1.1:12345 > 192.168.1.2:443 TCP [P.] length 43 payload 3');
    const v6 = decode(eth({ type: 0x86dd }, ipv6({ nh: 17, src: '2001:db8::1', dst: '2001:db8::2', plen: 900 }, udp({ sport: 5, dport: 53 })))).p;
    expect(formatPacketLine(v6)).toBe('0.000000000 [2001:db8::1]:5 > [2001:db8::2]:53 UDP length 940 payload 0 truncated');
    const bad = decode(eth({ type: 0x0800 }, ipv4({ proto: 17 }, udp({ len: 3 })))).p;
    expect(formatPacketLine(bad)).toBe('0.000000000 10.0.0.1 > 10.0.0.2 UDP length 28 error udp.hlen_invalid');
    expect(formatPacketLine(decode(eth({ type: 0x0806, vlans: [{ id: 3 }] }, new Uint8Array(28))).p)).toBe('0.000000000 vlan 3 ethertype 0x0806 length 46');
  });

  it('names TCP flags like tcpdump', () => {
    expect(tcpFlagsToString(0x02)).toBe('S');
    expect(tcpFlagsToString(0x12)).toBe('S.');
    expect(tcpFlagsToString(0x11)).toBe('F.');
    expect(tcpFlagsToString(0xff)).toBe('SFRPUEW.');
    expect(tcpFlagsToString(0)).toBe('none');
  });
});
