/**
 * The committed captures/ folder: regenerates byte for byte, and every file says in tshark what
 * captures/README.md says it holds.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCaptures } from '../../../src/emulator/captures/index.js';
import { REPO_ROOT } from '../../helpers/corpus.js';
import { tsharkPackets, type TsharkPacket } from '../../output/tshark.js';

const CAPTURES = path.join(REPO_ROOT, 'captures');
const cap = (f: string) => path.join(CAPTURES, f);

/** file -> [packets, {vni: packets}] ('' = a frame too short to carry a VNI). */
const EXPECTED: Record<string, [number, Record<string, number>]> = {
  'two-enis.pcap': [56, { 101: 30, 102: 26 }],
  'ssh-bruteforce.pcap': [858, { 101: 858 }],
  'rdp-bruteforce.pcap': [320, { 101: 320 }],
  'portscan.pcap': [2051, { 101: 2051 }],
  'tcp-flags-scan.pcap': [111, { 101: 111 }],
  'icmp-sweep.pcap': [76, { 101: 2, 102: 74 }],
  'dns.pcap': [22, { 102: 22 }],
  'http.pcap': [30, { 101: 30 }],
  'web-attacks.pcap': [43, { 101: 23, 102: 20 }],
  'cleartext.pcap': [59, { 102: 59 }],
  'known-bad.pcap': [22, { 102: 22 }],
  'tls.pcap': [33, { 101: 13, 102: 20 }],
  'ipv6.pcap': [21, { 101: 21 }],
  'truncated.pcap': [15, { 101: 15 }],
  'malformed.pcap': [5, { 101: 4, '': 1 }],
  'direction-vnis.pcap': [17, { 201: 9, 202: 8 }],
};
const FILES = Object.keys(EXPECTED);

const ENI = {
  '10.0.1.10': { mac: '02:00:0a:00:01:0a', addrs: ['10.0.1.10', '2001:db8:1::10'], vnis: ['101', '201', '202'] },
  '10.0.2.20': { mac: '02:00:0a:00:02:14', addrs: ['10.0.2.20'], vnis: ['102'] },
} as const;

/** Every field the checks below use; each file is read by tshark once. */
const FIELDS = [
  'frame.number', 'frame.len', 'frame.time_relative', 'vxlan.vni', 'vxlan.flags', 'eth.src', 'eth.dst', 'eth.type',
  'ip.src', 'ip.dst', 'ip.ttl', 'ip.id', 'ip.flags.df', 'ip.len', 'ipv6.src', 'ipv6.dst',
  'udp.srcport', 'udp.dstport', 'udp.checksum', 'udp.length', 'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.payload',
  'icmp.type', 'icmp.code', 'icmpv6.type', 'ipv6.hopopts.nxt', 'ipv6.routing.type', 'ipv6.fraghdr.offset',
  'http.request.method', 'http.request.uri', 'urlencoded-form.value', 'ftp.request.command', 'ftp.request.arg',
  'tls.handshake.type', 'tls.handshake.extensions_server_name', 'dns.flags.response', 'dns.qry.type', 'dns.flags.rcode',
  'dns.txt', 'dns.aaaa', 'ssh.protocol', 'rdp.rt_cookie', '_ws.malformed', '_ws.expert.message',
  'tcp.len', 'dns.qry.name', 'http.user_agent', 'http.host', 'http.response.code', 'http.transfer_encoding', 'http.content_encoding', 'http.file_data',
  'tls.handshake.version', 'x509sat.uTF8String', 'x509sat.CountryName', 'x509af.serialNumber', 'tls.handshake.ciphersuite',
];

const cache = new Map<string, TsharkPacket[]>();
function packets(file: string): TsharkPacket[] {
  let p = cache.get(file);
  if (!p) {
    p = tsharkPackets(cap(file), FIELDS, ['-o', 'ipv6.defragment:FALSE']);
    cache.set(file, p);
  }
  return p;
}

/** Occurrence n (0 = outermost) of a field, '' when absent. */
const at = (p: TsharkPacket, f: string, n = 0) => p[f]?.[n] ?? '';
const has = (p: TsharkPacket, f: string) => (p[f]?.length ?? 0) > 0;
/** Inner (mirrored) IP source/destination: IPv6, or the second IPv4 header. */
const innerSrc = (p: TsharkPacket) => (has(p, 'ipv6.src') ? at(p, 'ipv6.src') : at(p, 'ip.src', 1));
const innerDst = (p: TsharkPacket) => (has(p, 'ipv6.dst') ? at(p, 'ipv6.dst') : at(p, 'ip.dst', 1));
const tally = (values: string[]) => values.reduce<Record<string, number>>((m, v) => ((m[v] = (m[v] ?? 0) + 1), m), {});
const hexOf = (s: string) => Buffer.from(s).toString('hex');

describe('captures/ regenerate byte for byte', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'captures-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('generate-captures into a temp dir gives exactly the committed files', () => {
    const results = generateCaptures(tmp);
    const generated = readdirSync(tmp).sort();
    expect(generated).toEqual([...FILES, 'README.md'].sort());
    // captures/ may hold other hand-written files (configs); every generated one must be there
    expect(readdirSync(CAPTURES)).toEqual(expect.arrayContaining(generated));
    for (const f of generated) {
      const same = readFileSync(path.join(tmp, f)).equals(readFileSync(cap(f)));
      expect(same, `${f} differs from the regenerated one: run 'npm run captures'`).toBe(true);
    }
    expect(results.map((r) => [r.file, r.packets])).toEqual(FILES.map((f) => [f, EXPECTED[f]![0]]));
  });

  it('a second run gives the same bytes (no clock, no Math.random)', () => {
    const again = mkdtempSync(path.join(tmpdir(), 'captures-again-'));
    try {
      generateCaptures(again);
      for (const f of FILES) expect(readFileSync(path.join(again, f)).equals(readFileSync(cap(f))), f).toBe(true);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });

  it('the whole folder stays well under 1 MiB', () => {
    const total = readdirSync(CAPTURES).reduce((n, f) => n + statSync(cap(f)).size, 0);
    expect(total).toBeLessThan(768 * 1024);
  });

  it('README.md lists every file with its packet count and VNIs', () => {
    const readme = readFileSync(cap('README.md'), 'utf8');
    for (const f of FILES) {
      const [n, vnis] = EXPECTED[f]!;
      const vniText = Object.entries(vnis)
        .filter(([v]) => v !== '')
        .map(([v, c]) => `${v} (${c})`)
        .join(', ');
      expect(readme).toContain(`| [${f}](#${f.replace(/\./g, '')}) | ${n} | ${vniText} |`);
    }
  });
});

describe.each(FILES)('%s in tshark', (file) => {
  it('has the expected packet count and VNIs', () => {
    const [n, vnis] = EXPECTED[file]!;
    const ps = packets(file);
    expect(ps).toHaveLength(n);
    expect(tally(ps.map((p) => at(p, 'vxlan.vni')))).toEqual(vnis);
  });

  it('has AWS outer headers: ENI source, target 10.0.100.5, TTL 255, ID 0, DF clear, UDP 4789 checksum 0, sport 65408-65535', () => {
    for (const p of packets(file)) {
      const src = at(p, 'ip.src');
      expect(at(p, 'eth.type')).toBe('0x0800');
      expect(Object.keys(ENI)).toContain(src);
      expect([at(p, 'ip.dst'), at(p, 'ip.ttl'), at(p, 'ip.id'), at(p, 'ip.flags.df'), at(p, 'udp.dstport'), at(p, 'udp.checksum')]).toEqual(['10.0.100.5', '255', '0x0000', '0', '4789', '0x0000']);
      const sport = Number(at(p, 'udp.srcport'));
      expect(sport).toBeGreaterThanOrEqual(65408);
      expect(sport).toBeLessThanOrEqual(65535);
      if (has(p, 'vxlan.vni')) expect(ENI[src as keyof typeof ENI].vnis).toContain(at(p, 'vxlan.vni'));
    }
  });

  it('mirrors each packet as ingress (ENI = inner destination) or egress (ENI = inner source), MACs to match', () => {
    let checked = 0;
    for (const p of packets(file)) {
      const eni = ENI[at(p, 'ip.src') as keyof typeof ENI];
      const ethSrc = at(p, 'eth.src', 1);
      const ethDst = at(p, 'eth.dst', 1);
      if (ethSrc === '') continue; // no inner frame (short VXLAN datagram)
      const src = innerSrc(p);
      const dst = innerDst(p);
      const addrs = eni.addrs as readonly string[];
      const egress = ethSrc === eni.mac && (src === '' || addrs.includes(src));
      const ingress = ethDst === eni.mac && (dst === '' || addrs.includes(dst));
      const frame = at(p, 'frame.number');
      expect(egress !== ingress, `frame ${frame}: exactly one direction`).toBe(true);
      if (at(p, 'vxlan.vni') === '201') expect(ingress, `frame ${frame} on VNI 201`).toBe(true);
      if (at(p, 'vxlan.vni') === '202') expect(egress, `frame ${frame} on VNI 202`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('gives both directions of every TCP/UDP flow one outer source port', () => {
    const byFlow = new Map<string, Set<string>>();
    for (const p of packets(file)) {
      if (has(p, 'ipv6.fraghdr.offset') || has(p, 'icmp.type')) continue; // no ports / quoted ports
      let ports: [string, string];
      let proto: string;
      if (has(p, 'tcp.srcport')) [ports, proto] = [[at(p, 'tcp.srcport'), at(p, 'tcp.dstport')], 'tcp'];
      else if (has(p, 'udp.srcport') && p['udp.srcport']!.length > 1) [ports, proto] = [[at(p, 'udp.srcport', 1), at(p, 'udp.dstport', 1)], 'udp'];
      else continue;
      const a = `${innerSrc(p)}|${ports[0]}`;
      const b = `${innerDst(p)}|${ports[1]}`;
      const key = `${proto} ${a < b ? `${a} ${b}` : `${b} ${a}`}`;
      if (!byFlow.has(key)) byFlow.set(key, new Set());
      byFlow.get(key)!.add(at(p, 'udp.srcport'));
    }
    expect(byFlow.size).toBeGreaterThan(0);
    for (const [flow, ports] of byFlow) expect([...ports], flow).toHaveLength(1);
  });
});

describe('scenario ground truth (tshark)', () => {
  const where = (file: string, pred: (p: TsharkPacket) => boolean) => packets(file).filter(pred);
  const flags = (p: TsharkPacket) => Number(at(p, 'tcp.flags'));

  it('two-enis: HTTP, DNS, PostgreSQL seen by both sessions, HTTPS with SNI', () => {
    expect(where('two-enis.pcap', (p) => has(p, 'http.request.method'))).toHaveLength(2);
    expect(where('two-enis.pcap', (p) => at(p, 'dns.flags.response') === '1')).toHaveLength(2);
    const pg = where('two-enis.pcap', (p) => at(p, 'tcp.srcport') === '5432' || at(p, 'tcp.dstport') === '5432');
    expect(tally(pg.map((p) => at(p, 'vxlan.vni')))).toEqual({ 101: 13, 102: 13 });
    expect(packets('two-enis.pcap').flatMap((p) => p['tls.handshake.extensions_server_name']!)).toEqual(['api.example.net']);
  });

  it('ssh-bruteforce: 30 SYNs to 22 from one source within 60 s, banners both ways', () => {
    const syns = where('ssh-bruteforce.pcap', (p) => flags(p) === 0x02 && at(p, 'tcp.dstport') === '22');
    expect(syns).toHaveLength(30);
    expect(new Set(syns.map(innerSrc))).toEqual(new Set(['198.51.100.23']));
    expect(Number(at(syns[29]!, 'frame.time_relative')) - Number(at(syns[0]!, 'frame.time_relative'))).toBeLessThan(60);
    expect(tally(packets('ssh-bruteforce.pcap').flatMap((p) => p['ssh.protocol']!))).toEqual({ 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3': 30, 'SSH-2.0-libssh_0.9.6': 30 });
    expect(where('ssh-bruteforce.pcap', (p) => at(p, 'tcp.dstport') === '22' && (flags(p) & 0x04) !== 0)).toHaveLength(6);
  });

  it('rdp-bruteforce: 20 connections with mstshash cookies', () => {
    expect(where('rdp-bruteforce.pcap', (p) => flags(p) === 0x02 && at(p, 'tcp.dstport') === '3389' && innerSrc(p) === '198.51.100.24')).toHaveLength(20);
    expect(packets('rdp-bruteforce.pcap').flatMap((p) => p['rdp.rt_cookie']!).filter((c) => c.startsWith('Cookie: mstshash='))).toHaveLength(20);
  });

  it('portscan: 1024 distinct SYN probes, RST/ACK for closed ports, SYN/ACK for 22, 80, 443', () => {
    const syns = where('portscan.pcap', (p) => flags(p) === 0x02);
    expect(syns).toHaveLength(1024);
    expect(new Set(syns.map((p) => Number(at(p, 'tcp.dstport'))))).toEqual(new Set(Array.from({ length: 1024 }, (_, i) => i + 1)));
    expect(where('portscan.pcap', (p) => flags(p) === 0x14 && innerSrc(p) === '10.0.1.10')).toHaveLength(1021);
    const open = where('portscan.pcap', (p) => flags(p) === 0x12).map((p) => Number(at(p, 'tcp.srcport')));
    expect(open.sort((a, b) => a - b)).toEqual([22, 80, 443]);
  });

  it('tcp-flags-scan: 20 NULL, 20 XMAS (FIN+PSH+URG), 20 FIN probes', () => {
    const probes = where('tcp-flags-scan.pcap', (p) => innerSrc(p) === '198.51.100.67');
    expect(tally(probes.map((p) => at(p, 'tcp.flags')))).toEqual({ '0x0000': 20, '0x0029': 20, '0x0001': 20 });
  });

  it('icmp-sweep: 60 echo requests (one seen by both ENIs), replies, time exceeded quoting the probe', () => {
    const req = where('icmp-sweep.pcap', (p) => at(p, 'icmp.type') === '8');
    expect(req).toHaveLength(61);
    expect(new Set(req.map(innerDst)).size).toBe(60);
    expect(where('icmp-sweep.pcap', (p) => at(p, 'icmp.type') === '0')).toHaveLength(9);
    const te = where('icmp-sweep.pcap', (p) => at(p, 'icmp.type') === '11' && at(p, 'icmp.code') === '0');
    expect(te).toHaveLength(2);
    // outer, inner (router -> ENI B), quoted probe (ENI B -> target)
    expect(te[0]!['ip.src']).toEqual(['10.0.2.20', '10.0.2.1', '10.0.2.20']);
    expect(at(te[0]!, 'ip.dst', 2)).toBe('198.51.100.99');
    expect(at(te[0]!, 'udp.dstport', 1)).toBe('33434');
    expect(where('icmp-sweep.pcap', (p) => at(p, 'icmp.type') === '3' && at(p, 'icmp.code') === '3')).toHaveLength(1);
  });

  it('dns: A, AAAA, TXT queries and answers, one NXDOMAIN, a known-bad name, AXFR over TCP refused', () => {
    const q = where('dns.pcap', (p) => at(p, 'dns.flags.response') === '0');
    expect(tally(q.map((p) => at(p, 'dns.qry.type')))).toEqual({ 1: 4, 28: 1, 16: 1, 252: 1 });
    expect(q.map((p) => at(p, 'dns.qry.name'))).toContain('cdn-update.example');
    // TCP: the 2-byte length alone, then the query; the REFUSED answer in one segment.
    const tcp = where('dns.pcap', (p) => has(p, 'tcp.srcport') && at(p, 'tcp.len') !== '0');
    expect(tcp.map((p) => [at(p, 'tcp.len'), at(p, 'dns.qry.type'), at(p, 'dns.flags.rcode')])).toEqual([['2', '', ''], ['34', '252', ''], ['36', '252', '5']]);
    expect(packets('dns.pcap').flatMap((p) => p['dns.txt']!)).toEqual(['v=spf1 -all', 'mirrorsink-test=1']);
    expect(where('dns.pcap', (p) => at(p, 'dns.flags.rcode') === '3')).toHaveLength(1);
    expect(packets('dns.pcap').flatMap((p) => p['dns.aaaa']!)).toEqual(['2001:db8:10::10']);
  });

  it('http: GETs incl. /../../etc/passwd and a form POST', () => {
    const reqs = where('http.pcap', (p) => has(p, 'http.request.method')).map((p) => `${at(p, 'http.request.method')} ${at(p, 'http.request.uri')}`);
    expect(reqs).toEqual(['GET /index.html', 'GET /images/logo.svg', 'GET /api/v1/status?verbose=1', 'GET /../../etc/passwd', 'POST /login', 'GET /home']);
    expect(packets('http.pcap').flatMap((p) => p['urlencoded-form.value']!)).toEqual(['alice', 'correct horse', '1']);
  });

  it('web-attacks: split SQL injection, encoded traversal, pipelined Nikto probe, chunked and gzip executables', () => {
    // every request of each packet: the pipelined pair is one segment
    const reqs = where('web-attacks.pcap', (p) => has(p, 'http.request.method')).flatMap((p) => p['http.request.method']!.map((m, i) => `${m} ${p['http.request.uri']![i]}`));
    expect(reqs).toEqual([
      'GET /products.php?id=1%27%20UNION%20ALL%20SELECT%20NULL%2Cusername%2Cpassword%20FROM%20users--%20-',
      'GET /download.php?file=..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      'GET /phpmyadmin/',
      'TRACE /',
      'GET /update/setup.exe',
      'GET /static/app.bin',
    ]);
    const ps = packets('web-attacks.pcap');
    // The SQL injection request came in three segments (tshark reassembles it into the third).
    const sqli = ps.findIndex((p) => at(p, 'http.request.uri').includes('UNION'));
    expect(ps.slice(sqli - 2, sqli + 1).map((p) => Number(at(p, 'tcp.len')) > 0)).toEqual([true, true, true]);
    expect(ps.flatMap((p) => p['http.user_agent']!).filter((u) => u.includes('Nikto'))).toHaveLength(2);
    expect(ps.flatMap((p) => p['http.response.code']!)).toEqual(['500', '200', '404', '405', '200', '200']);
    expect(ps.flatMap((p) => p['http.transfer_encoding']!)).toEqual(['chunked']);
    expect(ps.flatMap((p) => p['http.content_encoding']!)).toEqual(['gzip']);
    // Both executables, after dechunking and gunzip, start with MZ (tshark's text stops at the first NUL).
    expect(ps.flatMap((p) => p['http.file_data']!).filter((d) => d.startsWith('MZ'))).toHaveLength(2);
  });

  it('tls: TLS 1.2 with a split ClientHello and a self-signed certificate, TLS 1.3 handshake', () => {
    const ps = packets('tls.pcap');
    expect(ps.flatMap((p) => p['tls.handshake.extensions_server_name']!)).toEqual(['files.example.net', 'www.example.org']);
    // The 1.2 ClientHello is reassembled from two segments: the one before it carries data too.
    const hello = ps.findIndex((p) => at(p, 'tls.handshake.extensions_server_name') === 'files.example.net');
    expect(Number(at(ps[hello - 1]!, 'tcp.len'))).toBeGreaterThan(0);
    const cert = ps.filter((p) => has(p, 'x509af.serialNumber'));
    expect(cert).toHaveLength(1);
    expect(at(cert[0]!, 'x509af.serialNumber')).toBe('4d531a7c22900b5e3107c46a18e25f01');
    // subject and issuer: the same RDNs
    expect(cert[0]!['x509sat.uTF8String']).toEqual(['Some-State', 'Internet Widgits Pty Ltd', 'files.example.net', 'Some-State', 'Internet Widgits Pty Ltd', 'files.example.net']);
    expect(cert[0]!['x509sat.CountryName']).toEqual(['AU', 'AU']);
    expect(ps.flatMap((p) => p['tls.handshake.ciphersuite']!).filter((c) => c === '0xc02b' || c === '0x1301').length).toBeGreaterThanOrEqual(2);
  });

  it('cleartext: FTP USER admin / PASS secret, telnet login', () => {
    const ftp = where('cleartext.pcap', (p) => has(p, 'ftp.request.command')).map((p) => `${at(p, 'ftp.request.command')} ${at(p, 'ftp.request.arg')}`.trim());
    expect(ftp).toEqual(['USER admin', 'PASS secret', 'SYST', 'PWD', 'QUIT']);
    const telnetPass = where('cleartext.pcap', (p) => at(p, 'tcp.dstport') === '23' && at(p, 'tcp.payload').includes(hexOf('secret')));
    expect(telnetPass).toHaveLength(1);
  });

  it('known-bad: TLS to 203.0.113.66:443 from ENI B', () => {
    expect(where('known-bad.pcap', (p) => flags(p) === 0x02 && innerDst(p) === '203.0.113.66' && at(p, 'tcp.dstport') === '443')).toHaveLength(1);
    expect(packets('known-bad.pcap').flatMap((p) => p['tls.handshake.extensions_server_name']!)).toEqual(['cdn-update.example']);
  });

  it('ipv6: TCP, UDP, ICMPv6 echo, hop-by-hop, type-0 routing header, two fragments', () => {
    const ps = packets('ipv6.pcap');
    expect(ps.filter((p) => has(p, 'ipv6.src') && has(p, 'tcp.srcport'))).toHaveLength(9);
    expect(tally(ps.flatMap((p) => p['icmpv6.type']!))).toEqual({ 128: 4, 129: 3 });
    expect(ps.filter((p) => has(p, 'ipv6.hopopts.nxt'))).toHaveLength(1);
    expect(ps.filter((p) => at(p, 'ipv6.routing.type') === '0')).toHaveLength(1);
    const frags = ps.filter((p) => has(p, 'ipv6.fraghdr.offset'));
    expect(frags.map((p) => at(p, 'ipv6.fraghdr.offset'))).toEqual(['0', '154']); // 1232 / 8
    expect(at(frags[0]!, 'udp.length', 1)).toBe('2008');
  });

  it('truncated: large frames cut to 50 + 128 bytes, inner IP length still 1500', () => {
    const ps = packets('truncated.pcap');
    for (const p of ps) expect(Number(at(p, 'frame.len'))).toBeLessThanOrEqual(178);
    const cut = ps.filter((p) => at(p, 'frame.len') === '178');
    expect(cut).toHaveLength(8); // the GET and 7 response segments
    expect(cut.filter((p) => at(p, 'ip.len', 1) === '1500')).toHaveLength(6);
    for (const p of cut) {
      expect(at(p, 'ip.len')).toBe('164');
      expect(at(p, 'udp.length')).toBe('144');
    }
  });

  it('malformed: IHL 3, no I flag, short VXLAN, TCP offset past the end', () => {
    const ps = packets('malformed.pcap');
    expect(ps.map((p) => at(p, 'frame.len'))).toEqual(['108', '108', '108', '46', '104']);
    expect(at(ps[2]!, 'vxlan.flags')).toBe('0x0000');
    expect(ps[1]!['_ws.expert.message']!.join(',')).toMatch(/Bogus IP header length \(12/);
    expect(has(ps[0]!, '_ws.malformed')).toBe(false);
    expect(has(ps[3]!, '_ws.malformed')).toBe(true);
    expect(has(ps[4]!, '_ws.malformed')).toBe(true);
  });
});
