import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DnsState } from '../../../src/applayer/dns/dns-state.js';
import { dnsTxEve, dnsQueryBuffers, dnsTxLogged } from '../../../src/applayer/dns/dns-eve.js';
import { parseDnsMessage } from '../../../src/applayer/dns/dns-message.js';
import {
  probeDnsTcp, probeDnsUdp, DNS_PROBE_NEED_MORE, DNS_PROBE_NO, DNS_PROBE_REQUEST, DNS_PROBE_RESPONSE,
} from '../../../src/applayer/dns/dns-probe.js';
import { dnsRrtypeFromName } from '../../../src/applayer/dns/dns-types.js';

// --- message builder (test-side only) ---
function name(n: string): number[] {
  const out: number[] = [];
  for (const l of n.split('.')) {
    if (l === '') continue;
    out.push(l.length, ...Buffer.from(l, 'latin1'));
  }
  out.push(0);
  return out;
}
const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
function header(id: number, flags: number, qd: number, an: number, ns = 0, ar = 0): number[] {
  return [...u16(id), ...u16(flags), ...u16(qd), ...u16(an), ...u16(ns), ...u16(ar)];
}
function rr(nameBytes: number[], type: number, ttl: number, rdata: number[]): number[] {
  return [...nameBytes, ...u16(type), ...u16(1), ...u32(ttl), ...u16(rdata.length), ...rdata];
}
const bytes = (a: number[]): Uint8Array => Uint8Array.from(a);

const query = bytes([...header(0x1234, 0x0100, 1, 0), ...name('www.example.com'), ...u16(1), ...u16(1)]);
// Response: question at offset 12; answers use pointers to it (0xc00c) and into the CNAME.
const cnameRdata = [3, ...Buffer.from('cdn'), 0xc0, 0x10]; // cdn.example.com (pointer to "example.com" at 16)
const response = bytes([
  ...header(0x1234, 0x8180, 1, 3),
  ...name('www.example.com'), ...u16(1), ...u16(1),
  ...rr([0xc0, 0x0c], 5, 300, cnameRdata),
  ...rr([0xc0, 0x0c], 1, 60, [93, 184, 216, 34]),
  ...rr([0xc0, 0x0c], 28, 60, [0x20, 0x01, 0x48, 0x60, 0, 0, 0x20, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x68]),
]);

describe('DNS message parsing', () => {
  it('parses a query and gives dns.query buffers and EVE v3', () => {
    const s = new DnsState();
    s.parseDatagram(true, query, 0, query.length);
    expect(s.txs).toHaveLength(1);
    const tx = s.txs[0]!;
    expect(dnsQueryBuffers(tx)).toEqual(['www.example.com']);
    expect(dnsTxEve(tx)).toEqual({
      version: 3, type: 'request', tx_id: 0, id: 0x1234, flags: '100', rd: true, opcode: 0, rcode: 'NOERROR',
      queries: [{ rrname: 'www.example.com', rrtype: 'A' }],
    });
  });

  it('follows compression pointers in names and rdata; AAAA printed uncompressed as Suricata does', () => {
    const s = new DnsState();
    s.parseDatagram(true, query, 0, query.length);
    s.parseDatagram(false, response, 0, response.length);
    const tx = s.txs[1]!;
    expect(tx.events).toEqual([]);
    const eve = dnsTxEve(tx);
    expect(eve).toMatchObject({
      type: 'response', tx_id: 1, flags: '8180', qr: true, rd: true, ra: true, rcode: 'NOERROR',
      answers: [
        { rrname: 'www.example.com', rrtype: 'CNAME', ttl: 300, rdata: 'cdn.example.com' },
        { rrname: 'www.example.com', rrtype: 'A', ttl: 60, rdata: '93.184.216.34' },
        { rrname: 'www.example.com', rrtype: 'AAAA', ttl: 60, rdata: '2001:4860:0000:2001:0000:0000:0000:0068' },
      ],
      grouped: { CNAME: ['cdn.example.com'], A: ['93.184.216.34'], AAAA: ['2001:4860:0000:2001:0000:0000:0000:0068'] },
    });
    expect(dnsQueryBuffers(tx)).toEqual([]); // dns.query is to-server only
  });

  it('decodes SOA, MX, TXT, SRV and SSHFP rdata', () => {
    const soa = [...name('ns1.example.com'), ...name('admin.example.com'), ...u32(2024010101), ...u32(7200), ...u32(3600), ...u32(1209600), ...u32(300)];
    const msg = bytes([
      ...header(7, 0x8180, 0, 5),
      ...rr(name('example.com'), 6, 10, soa),
      ...rr(name('example.com'), 15, 10, [...u16(10), ...name('mail.example.com')]),
      ...rr(name('example.com'), 16, 10, [5, ...Buffer.from('hello')]),
      ...rr(name('_sip._tcp.example.com'), 33, 10, [...u16(1), ...u16(2), ...u16(5060), ...name('sip.example.com')]),
      ...rr(name('example.com'), 44, 10, [1, 1, 0xde, 0xad, 0xbe, 0xef]),
    ]);
    const m = parseDnsMessage(msg, 0, msg.length)!;
    expect(m.answers.map((a) => a.rdata)).toEqual([
      { mname: 'ns1.example.com', rname: 'admin.example.com', serial: 2024010101, refresh: 7200, retry: 3600, expire: 1209600, minimum: 300 },
      'mail.example.com',
      ['hello'],
      { priority: 1, weight: 2, port: 5060, name: 'sip.example.com' },
      { algo: 1, type: 1, fingerprint: 'de:ad:be:ef' },
    ]);
    const s = new DnsState();
    s.parseDatagram(false, msg, 0, msg.length);
    const eve = dnsTxEve(s.txs[0]!) as { answers: Record<string, unknown>[] };
    expect(eve.answers[0]!.soa).toMatchObject({ mname: 'ns1.example.com' });
    expect(eve.answers[2]!.rdata).toBe('hello');
    expect(eve.answers[3]!.srv).toMatchObject({ port: 5060 });
  });

  it('EVE as rust/src/dns/log.rs: a TXT entry per string, no rdata for unknown types, OPT options, truncation flags', () => {
    const labels: number[] = [];
    for (let i = 0; i < 20; i++) labels.push(63, ...new Array<number>(63).fill(0x61));
    labels.push(0);
    const msg = bytes([
      ...header(5, 0x8180, 1, 4, 0, 2),
      ...name('x.example'), ...u16(16), ...u16(1),
      ...rr(name('x.example'), 16, 30, [2, 0x68, 0x69, 3, 0x79, 0x6f, 0x75]),
      ...rr(name('x.example'), 43, 30, [1, 2, 3, 4]), // DS: not decoded by Suricata
      ...rr(name('x.example'), 5, 30, labels), // CNAME target longer than 1025
      ...rr(name('x.example'), 1, 30, [1, 2, 3]), // A of a wrong length
      ...[0, ...u16(41), ...u16(1232), ...u32(0), ...u16(8), ...u16(10), ...u16(4), 0xde, 0xad, 0xbe, 0xef], // OPT with a cookie
      ...[0, ...u16(41), ...u16(1232), ...u32(0), ...u16(0)], // empty OPT: not logged
    ]);
    const s = new DnsState();
    s.parseDatagram(false, msg, 0, msg.length);
    const eve = dnsTxEve(s.txs[0]!) as Record<string, unknown>;
    expect(eve.answers).toEqual([
      { rrname: 'x.example', rrtype: 'TXT', ttl: 30, rdata: 'hi' },
      { rrname: 'x.example', rrtype: 'TXT', ttl: 30, rdata: 'you' },
      { rrname: 'x.example', rrtype: 'DS', ttl: 30 },
      { rrname: 'x.example', rrtype: 'CNAME', ttl: 30, rdata: 'a'.repeat(63) + ('.' + 'a'.repeat(63)).repeat(15) + '.' + 'a'.repeat(1025 - 64 * 16), rdata_truncated: true },
      { rrname: 'x.example', rrtype: 'A', ttl: 30, rdata: '' },
    ]);
    expect(eve.grouped).toEqual({ TXT: ['hi', 'you'], CNAME: [expect.any(String)], A: [''] });
    expect(eve.additionals).toEqual([{ rrname: '', rrtype: 'OPT', ttl: 0, opt: [{ code: 10, data: 'deadbeef' }] }]);
    expect(s.txs[0]!.events).toEqual(['name_too_long']);
    // A request carrying answers logs them too; a tx without queries is not logged at all.
    const req = bytes([...header(6, 0x0100, 1, 1), ...name('q.example'), ...u16(1), ...u16(1), ...rr(name('q.example'), 1, 1, [9, 9, 9, 9])]);
    s.parseDatagram(true, req, 0, req.length);
    expect(dnsTxEve(s.txs[1]!)).toMatchObject({ type: 'request', answers: [{ rdata: '9.9.9.9' }] });
    expect(dnsTxLogged(s.txs[1]!)).toBe(true);
    const noq = bytes([...header(7, 0x8180, 0, 1), ...rr(name('z.example'), 1, 1, [1, 1, 1, 1])]);
    s.parseDatagram(false, noq, 0, noq.length);
    expect(dnsTxLogged(s.txs[2]!)).toBe(false);
  });

  it('a compression loop raises infinite_loop and neither hangs nor throws', () => {
    // Question name is a pointer to itself (offset 12).
    const loop = bytes([...header(1, 0x0100, 1, 0), 0xc0, 0x0c, ...u16(1), ...u16(1)]);
    const s = new DnsState();
    s.parseDatagram(true, loop, 0, loop.length);
    expect(s.txs).toHaveLength(1);
    expect(s.txs[0]!.events).toContain('infinite_loop');
    // Two names pointing at each other.
    const ping = bytes([...header(1, 0x0100, 2, 0), 0xc0, 0x12, ...u16(1), ...u16(1), 0xc0, 0x0c, ...u16(1), ...u16(1)]);
    s.parseDatagram(true, ping, 0, ping.length);
    expect(s.txs[1]!.events).toContain('infinite_loop');
  });

  it('over-long names are truncated (name_too_long); too many labels raise too_many_labels', () => {
    const labels: number[] = [];
    for (let i = 0; i < 20; i++) labels.push(63, ...new Array<number>(63).fill(0x61));
    labels.push(0);
    const longName = bytes([...header(1, 0x0100, 1, 0), ...labels, ...u16(1), ...u16(1)]);
    const s = new DnsState();
    s.parseDatagram(true, longName, 0, longName.length);
    expect(s.txs[0]!.message.queries[0]!.rrname.length).toBe(1025);
    expect(s.txs[0]!.events).toContain('name_too_long');
    const many: number[] = [];
    for (let i = 0; i < 300; i++) many.push(1, 0x62);
    many.push(0);
    const manyLabels = bytes([...header(2, 0x0100, 1, 0), ...many, ...u16(1), ...u16(1)]);
    s.parseDatagram(true, manyLabels, 0, manyLabels.length);
    expect(s.txs[1]!.events).toContain('too_many_labels');
  });

  it('truncated and refused messages raise events on the latest tx, as Suricata does', () => {
    const s = new DnsState();
    s.parseDatagram(true, query, 0, query.length);
    s.parseDatagram(true, query, 0, query.length - 3); // question runs past the end
    expect(s.txs).toHaveLength(1);
    expect(s.txs[0]!.events).toEqual(['malformed_data']);
    s.parseDatagram(true, response, 0, response.length); // QR set to server
    expect(s.txs).toHaveLength(1);
    expect(s.txs[0]!.events).toEqual(['malformed_data', 'not_request']);
    s.parseDatagram(false, query, 0, query.length); // QR clear to client: a tx carrying not_response
    expect(s.txs).toHaveLength(2);
    expect(s.txs[1]!.events).toEqual(['not_response']);
    expect(s.eventCounts.get('malformed_data')).toBe(1);
    // No tx yet: only counted.
    const t = new DnsState();
    t.parseDatagram(true, query, 0, query.length - 3);
    expect(t.txs).toHaveLength(0);
    expect(t.eventCounts.get('malformed_data')).toBe(1);
  });

  it('a header failing the validity check is dropped silently over UDP (no tx, no event)', () => {
    const s = new DnsState();
    s.parseDatagram(true, query, 0, 5); // shorter than a header
    const noQuestion = bytes([...header(9, 0x0100, 0, 0)]); // a request must ask something
    s.parseDatagram(true, noQuestion, 0, noQuestion.length);
    const padded = bytes([...header(9, 0x8180, 0, 0), 0, 0]); // no records but more than a header
    s.parseDatagram(false, padded, 0, padded.length);
    expect(s.txs).toHaveLength(0);
    expect(s.eventCounts.size).toBe(0);
    expect(s.counters.invalidHeader).toBe(3);
  });

  it('z flag and invalid opcode', () => {
    const q = Uint8Array.from(query);
    q[2] = 0x78 | 0x01; // opcode 15
    q[3] = 0x40; // Z
    const s = new DnsState();
    s.parseDatagram(true, q, 0, q.length);
    expect(s.txs[0]!.events.sort()).toEqual(['invalid_opcode', 'z_flag_set']);
    expect(dnsTxEve(s.txs[0]!)).toMatchObject({ opcode: 15, z: true });
  });

  it('a broken additional section raises invalid_additionals and keeps the answers', () => {
    const m = bytes([...header(3, 0x8180, 0, 1, 0, 2), ...rr(name('a.b'), 1, 1, [1, 2, 3, 4]), ...name('x'), 0]);
    const s = new DnsState();
    s.parseDatagram(false, m, 0, m.length);
    expect(s.txs[0]!.events).toEqual(['invalid_additionals']);
    expect(s.txs[0]!.message.answers).toHaveLength(1);
  });

  it('bounded: at most 32 undrained txs, the rest purged and counted', () => {
    const s = new DnsState();
    for (let i = 0; i < 40; i++) s.parseDatagram(true, query, 0, query.length);
    expect(s.txs).toHaveLength(32);
    expect(s.counters.txsPurged).toBe(8);
    expect(s.drainTxs()).toHaveLength(32);
    expect(s.txs).toHaveLength(0);
  });
});

describe('DNS over TCP', () => {
  const stream = bytes([...u16(query.length), ...query, ...u16(query.length), ...query]);
  const rstream = bytes([...u16(response.length), ...response]);

  it('reassembles length-prefixed messages split at every byte', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      for (let cut2 = cut; cut2 <= stream.length; cut2 += 7) {
        const s = new DnsState();
        s.feed(true, stream, 0, cut);
        s.feed(true, stream, cut, cut2 - cut);
        s.feed(true, stream, cut2, stream.length - cut2);
        expect(s.txs.map((t) => t.message.queries[0]!.rrname)).toEqual(['www.example.com', 'www.example.com']);
      }
    }
  });

  it('byte-at-a-time in both directions', () => {
    const s = new DnsState();
    for (let i = 0; i < stream.length; i++) s.feed(true, stream, i, 1);
    for (let i = 0; i < rstream.length; i++) s.feed(false, rstream, i, 1);
    expect(s.txs.map((t) => t.request)).toEqual([true, true, false]);
    expect(dnsTxEve(s.txs[2]!)).toMatchObject({ answers: [{ rrtype: 'CNAME' }, { rrtype: 'A' }, { rrtype: 'AAAA' }] });
  });

  it('after a gap, skips data until a plausible message starts', () => {
    const s = new DnsState();
    s.feed(true, stream, 0, 10);
    s.gap(true, 100);
    const junk = bytes(new Array<number>(40).fill(0xff));
    s.feed(true, junk, 0, junk.length);
    expect(s.counters.gapBytesSkipped).toBe(40);
    s.feed(true, stream, 0, stream.length);
    expect(s.txs).toHaveLength(2);
  });

  it('a zero length prefix is skipped; a refused message ends DNS parsing of the flow', () => {
    const s = new DnsState();
    const z = bytes([0, 0, ...u16(query.length), ...query]);
    s.feed(true, z, 0, z.length);
    expect(s.txs).toHaveLength(1);
    const bad = bytes([...u16(response.length), ...response, ...u16(query.length), ...query]);
    s.feed(true, bad, 0, bad.length); // a response to the server: not_request, parser error
    expect(s.txs).toHaveLength(1);
    expect(s.txs[0]!.events).toEqual(['not_request']);
    expect(s.counters.parseErrors).toBe(1);
    s.feed(false, rstream, 0, rstream.length);
    expect(s.txs).toHaveLength(1);
    expect(s.counters.bytesSkipped).toBe(2 + query.length + rstream.length);
  });

  it('a message cut off by the end of the stream is malformed', () => {
    const s = new DnsState();
    s.feed(true, stream, 0, stream.length - 4);
    s.end(true);
    expect(s.txs).toHaveLength(1);
    expect(s.txs[0]!.events).toEqual(['malformed_data']);
  });
});

describe('DNS probing', () => {
  it('accepts valid requests and responses, says which side sent them', () => {
    expect(probeDnsUdp(query, 0, query.length)).toBe(DNS_PROBE_REQUEST);
    expect(probeDnsUdp(response, 0, response.length)).toBe(DNS_PROBE_RESPONSE);
    const t = bytes([...u16(query.length), ...query]);
    expect(probeDnsTcp(t, 0, t.length)).toBe(DNS_PROBE_REQUEST);
    expect(probeDnsTcp(t, 0, 8)).toBe(DNS_PROBE_NEED_MORE);
    expect(probeDnsTcp(t, 0, 20)).toBe(DNS_PROBE_REQUEST); // partial: header judged alone
  });
  it('rejects short payloads, impossible record counts and unparseable messages', () => {
    expect(probeDnsUdp(query, 0, 11)).toBe(DNS_PROBE_NO);
    const big = Uint8Array.from(query);
    big[6] = 0xff; // ancount 65280 cannot fit
    expect(probeDnsUdp(big, 0, big.length)).toBe(DNS_PROBE_NO);
    const http = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(probeDnsUdp(http, 0, http.length)).toBe(DNS_PROBE_NO);
  });
  it('rrtype names map both ways', () => {
    expect(dnsRrtypeFromName('aaaa')).toBe(28);
    expect(dnsRrtypeFromName('nope')).toBeUndefined();
  });
});

describe('DNS garbage never throws', () => {
  it('random datagrams and streams', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.nat(300), (data, dir, cut) => {
        const s = new DnsState();
        s.parseDatagram(dir, data, 0, data.length);
        const c = Math.min(cut, data.length);
        s.feed(dir, data, 0, c);
        s.gap(dir, 5);
        s.feed(dir, data, c, data.length - c);
        s.end(dir);
        for (const tx of s.txs) dnsTxEve(tx);
        probeDnsUdp(data, 0, data.length);
        probeDnsTcp(data, 0, data.length);
      }),
      { numRuns: 2000 },
    );
  });
  it('mutated valid responses', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(response.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (muts) => {
        const m = Uint8Array.from(response);
        for (const [i, v] of muts) m[i] = v;
        const s = new DnsState();
        s.parseDatagram(false, m, 0, m.length);
        for (const tx of s.txs) JSON.stringify(dnsTxEve(tx));
      }),
      { numRuns: 3000 },
    );
  });
});
