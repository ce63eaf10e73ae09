import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import {
  TlsState, SSL_STATE_CLIENT_HELLO, SSL_STATE_SERVER_HELLO, SSL_STATE_SERVER_KEYX,
} from '../../../src/applayer/tls/tls-state.js';
import { tlsEve, tlsEveLoggable } from '../../../src/applayer/tls/tls-eve.js';
import { parseCertificate, certExpired, certValid } from '../../../src/applayer/tls/tls-cert.js';
import { probeTls, TLS_PROBE_NEED_MORE, TLS_PROBE_NO, TLS_PROBE_YES } from '../../../src/applayer/tls/tls-probe.js';
import { tlsVersionText, tlsVersionFromKeyword, tlsVersionMatches } from '../../../src/applayer/tls/tls-version.js';
import { isGrease } from '../../../src/applayer/tls/tls-hello.js';

// Certificates made for these tests with openssl (EC P-256): a CA "C=DE, O=Mirrorsink CA,
// CN=Mirrorsink Root" (serial 7) signing "C=US, O=Mirrorsink Test, Inc., CN=test.example.com"
// (serial 0x00C48B2A9F, SAN test.example.com and www.example.com, 2026-12-07 .. 2036-12-04).
const fixture = (n: string): Uint8Array =>
  Buffer.from(readFileSync(new URL(`./fixtures/${n}.der.b64`, import.meta.url), 'utf8').trim(), 'base64');
const LEAF = fixture('leaf');
const CA = fixture('ca');

// --- builders ---
const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
const u24 = (v: number): number[] => [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
const vec8 = (b: number[]): number[] => [b.length, ...b];
const vec16 = (b: number[]): number[] => [...u16(b.length), ...b];
const vec24 = (b: number[]): number[] => [...u24(b.length), ...b];
const list16 = (vals: number[]): number[] => vals.flatMap(u16);
const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];
const record = (type: number, body: number[], version = 0x0303): number[] => [type, ...u16(version), ...u16(body.length), ...body];
const handshake = (type: number, body: number[]): number[] => [type, ...u24(body.length), ...body];
const ext = (type: number, data: number[]): number[] => [...u16(type), ...vec16(data)];
const sniExt = (host: string): number[] => ext(0, vec16([0, ...vec16(ascii(host))]));
const alpnExt = (protos: string[]): number[] => ext(16, vec16(protos.flatMap((p) => vec8(ascii(p)))));
const random = new Array<number>(32).fill(0x11);

function clientHello(version: number, ciphers: number[], exts: number[][], sid: number[] = []): number[] {
  return handshake(1, [...u16(version), ...random, ...vec8(sid), ...vec16(list16(ciphers)), 1, 0, ...vec16(exts.flat())]);
}
function serverHello(version: number, cipher: number, exts: number[][], sid: number[] = [], rnd = random): number[] {
  return handshake(2, [...u16(version), ...rnd, ...vec8(sid), ...u16(cipher), 0, ...vec16(exts.flat())]);
}
const certificate = (ders: Uint8Array[]): number[] => handshake(11, vec24(ders.flatMap((d) => vec24([...d]))));
const bytes = (a: number[]): Uint8Array => Uint8Array.from(a);

// The JA4 specification's example ClientHello (Chrome): 15 ciphers, 16 extensions, ALPN h2.
const CHROME_CIPHERS = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
const SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
const chromeHello = clientHello(0x0303, [0x0a0a, ...CHROME_CIPHERS], [
  ext(0x1a1a, []),
  sniExt('www.example.com'),
  ext(0x0017, []),
  ext(0xff01, [0]),
  ext(0x000a, vec16(list16([0x2a2a, 29, 23, 24]))),
  ext(0x000b, vec8([0])),
  ext(0x0023, []),
  alpnExt(['h2', 'http/1.1']),
  ext(0x0005, [1, 0, 0, 0, 0]),
  ext(0x000d, vec16(list16(SIGALGS))),
  ext(0x0012, []),
  ext(0x0033, vec16([...u16(29), ...vec16(new Array<number>(32).fill(7))])),
  ext(0x002d, vec8([1])),
  ext(0x002b, vec8(list16([0x3a3a, 0x0304, 0x0303]))),
  ext(0x001b, vec8([2, 0, 2])),
  ext(0x4469, []),
  ext(0x0015, new Array<number>(20).fill(0)),
  ext(0x4a4a, [0]),
]);

// The JA3 README's example: TLS 1.0, 12 ciphers, SNI + curves + point formats.
const ja3Hello = clientHello(0x0301, [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4], [
  sniExt('example.org'),
  ext(10, vec16(list16([23, 24, 25]))),
  ext(11, vec8([0])),
]);

// A TLS 1.2 server flight: ServerHello + Certificate + ServerKeyExchange + ServerHelloDone in one record.
const sh12 = serverHello(0x0303, 0xc02f, [ext(0xff01, [0]), ext(0, []), ext(11, vec8([0])), ext(16, vec16(vec8(ascii('h2'))))]);
const serverFlight = record(22, [...sh12, ...certificate([LEAF, CA]), ...handshake(12, [3, 0, 29]), ...handshake(14, [])]);

function run(s: TlsState, toServer: boolean, data: number[] | Uint8Array, cuts: number[] = []): void {
  const b = data instanceof Uint8Array ? data : bytes(data);
  let prev = 0;
  for (const c of [...cuts, b.length]) {
    s.feed(toServer, b, prev, c - prev);
    prev = c;
  }
}

describe('TLS fingerprints against published values', () => {
  it('JA4 of the specification example: t13d1516h2_8daaf6152771_e5627efa2ab1', () => {
    const s = new TlsState();
    run(s, true, record(22, chromeHello, 0x0301));
    expect(s.ja4).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
    expect(s.sni).toBe('www.example.com');
    expect(s.clientVersion).toBe(0x0304); // first non-GREASE supported_versions entry
    expect(s.clientHelloDone).toBe(true);
    expect(s.currentFlags).toBe(SSL_STATE_CLIENT_HELLO);
    // JA3 drops GREASE from ciphers, extensions and curves.
    expect(s.ja3!.string).toBe(
      '771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,' +
        '0-23-65281-10-11-35-16-5-13-18-51-45-43-27-17513-21,29-23-24,0',
    );
  });

  it('JA3 of the JA3 README example: ada70206e40642a3e4461f35503241d5', () => {
    const s = new TlsState();
    run(s, true, record(22, ja3Hello, 0x0301));
    expect(s.ja3).toEqual({
      string: '769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0',
      hash: 'ada70206e40642a3e4461f35503241d5',
    });
    expect(s.ja4!.startsWith('t10d120300_')).toBe(true);
  });

  it("JA4 edge cases from Suricata's unit tests (no ciphers, no extensions)", () => {
    const s = new TlsState();
    run(s, true, record(22, clientHello(0x0303, [], []), 0x0301));
    expect(s.ja4).toBe('t12i000000_e3b0c44298fc_d2e2adf7177b');
  });

  it('JA3S from the ServerHello', () => {
    const s = new TlsState();
    run(s, true, record(22, chromeHello, 0x0301));
    run(s, false, serverFlight);
    const str = '771,49199,65281-0-11-16';
    expect(s.ja3s).toEqual({ string: str, hash: createHash('md5').update(str).digest('hex') });
  });

  it('GREASE values', () => {
    expect(isGrease(0x0a0a)).toBe(true);
    expect(isGrease(0xfafa)).toBe(true);
    expect(isGrease(0x0a1a)).toBe(false);
    expect(isGrease(0x1301)).toBe(false);
  });
});

describe('TLS handshake across segments', () => {
  const clientBytes = bytes(record(22, chromeHello, 0x0301));
  const serverBytes = bytes(serverFlight);

  it('ClientHello split at every byte gives the same SNI, JA3 and JA4', () => {
    const ref = new TlsState();
    run(ref, true, clientBytes);
    for (let cut = 1; cut < clientBytes.length; cut++) {
      const s = new TlsState();
      run(s, true, clientBytes, [cut]);
      expect(s.sni).toBe('www.example.com');
      expect(s.ja4).toBe(ref.ja4);
      expect(s.ja3).toEqual(ref.ja3);
    }
  });

  it('server flight (hello, certificate chain) split at every byte', () => {
    for (let cut = 1; cut < serverBytes.length; cut += 1) {
      const s = new TlsState();
      run(s, false, serverBytes, [cut]);
      expect(s.serverHelloDone).toBe(true);
      expect(s.serverCerts).toHaveLength(2);
      expect(s.serverCert!.fingerprint).toBe('e5:96:16:8c:db:15:83:3b:04:af:e4:94:f1:04:86:c5:2e:7f:2e:17');
    }
  });

  it('byte at a time, and a handshake message fragmented over several records', () => {
    const s = new TlsState();
    for (let i = 0; i < clientBytes.length; i++) s.feed(true, clientBytes, i, 1);
    expect(s.ja4).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
    // Same ClientHello in three records.
    const third = Math.floor(chromeHello.length / 3);
    const frag = bytes([
      ...record(22, chromeHello.slice(0, third)),
      ...record(22, chromeHello.slice(third, 2 * third)),
      ...record(22, chromeHello.slice(2 * third)),
    ]);
    const t = new TlsState();
    run(t, true, frag, [7, 100]);
    expect(t.ja4).toBe('t13d1516h2_8daaf6152771_e5627efa2ab1');
  });

  it('certificate fields as Suricata prints them; EVE tls object', () => {
    const s = new TlsState();
    run(s, true, clientBytes);
    run(s, false, serverBytes);
    expect(s.serverCert).toMatchObject({
      subject: 'C=US, O=Mirrorsink Test, Inc., CN=test.example.com',
      issuer: 'C=DE, O=Mirrorsink CA, CN=Mirrorsink Root',
      serial: '00:C4:8B:2A:9F',
      notBefore: 1796612208,
      notAfter: 2111972208,
      san: ['test.example.com', 'www.example.com'],
    });
    expect(s.serverVersion).toBe(0x0303);
    expect(s.currentFlags & SSL_STATE_SERVER_HELLO).toBeTruthy();
    expect(s.currentFlags & SSL_STATE_SERVER_KEYX).toBeTruthy();
    const eve = tlsEve(s);
    expect(eve).toEqual({
      subject: 'C=US, O=Mirrorsink Test, Inc., CN=test.example.com',
      issuerdn: 'C=DE, O=Mirrorsink CA, CN=Mirrorsink Root',
      subjectaltname: ['test.example.com', 'www.example.com'],
      serial: '00:C4:8B:2A:9F',
      fingerprint: 'e5:96:16:8c:db:15:83:3b:04:af:e4:94:f1:04:86:c5:2e:7f:2e:17',
      sni: 'www.example.com',
      version: 'TLS 1.2',
      notbefore: '2026-12-07T02:56:48',
      notafter: '2036-12-04T02:56:48',
      ja3: s.ja3,
      ja3s: s.ja3s,
      ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1',
      client_alpns: ['h2', 'http/1.1'],
      server_alpns: ['h2'],
    });
    expect(Object.keys(tlsEve(s, { fingerprints: false }))).not.toContain('ja3');
    expect(certExpired(s.serverCert!, 2111972209)).toBe(true);
    expect(certValid(s.serverCert!, 1800000000)).toBe(true);
    expect(certValid(s.serverCert!, 1700000000)).toBe(false);
  });

  it('EVE: version is the server\'s; resumed session without certificate; client certificate object', () => {
    const s = new TlsState();
    const sid = new Array<number>(32).fill(5);
    run(s, true, record(22, clientHello(0x0303, [0xc02f], [sniExt('r.example')], sid)));
    expect(tlsEve(s).version).toBe('UNDETERMINED');
    expect(tlsEveLoggable(s)).toBe(false);
    run(s, false, [...record(22, serverHello(0x0303, 0xc02f, [], sid)), ...record(20, [1])]);
    expect(tlsEve(s)).toMatchObject({ session_resumed: true, version: 'TLS 1.2', sni: 'r.example' });
    expect(tlsEveLoggable(s)).toBe(true);
    const t = new TlsState();
    run(t, false, serverBytes);
    run(t, true, record(22, certificate([CA])));
    expect(Object.keys(tlsEve(t).client as object)).toEqual(['subject', 'issuerdn', 'fingerprint', 'serial', 'notbefore', 'notafter']);
    expect(tlsEve(t).session_resumed).toBeUndefined();
  });

  it('after ChangeCipherSpec, handshake records are opaque (encrypted Finished not parsed)', () => {
    const s = new TlsState();
    run(s, true, clientBytes);
    run(s, false, serverBytes);
    run(s, true, [...record(22, handshake(16, vec8([1, 2, 3]))), ...record(20, [1]), ...record(22, new Array<number>(40).fill(0xee))]);
    run(s, false, [...record(20, [1]), ...record(22, new Array<number>(40).fill(0xee)), ...record(23, new Array<number>(100).fill(1))]);
    expect(s.events).toEqual([]);
    expect(s.handshakeDone).toBe(true);
  });

  it('ssl_state flags: records of one input accumulate, the next input starts afresh', () => {
    const s = new TlsState();
    run(s, false, [...record(22, sh12), ...record(22, handshake(12, [3, 0, 29])), ...record(22, handshake(14, []))]);
    expect(s.currentFlags).toBe(SSL_STATE_SERVER_HELLO | SSL_STATE_SERVER_KEYX);
    run(s, false, record(20, [1]));
    expect(s.currentFlags).toBe(0);
  });

  it('TLS 1.3: version from supported_versions, everything after the ServerHello opaque', () => {
    const s = new TlsState();
    run(s, true, clientBytes);
    const sh13 = serverHello(0x0303, 0x1301, [ext(0x002b, u16(0x0304)), ext(0x0033, [0, 29, 0, 1, 9])]);
    run(s, false, [...record(22, sh13), ...record(20, [1]), ...record(23, new Array<number>(300).fill(0x42))]);
    expect(s.serverVersion).toBe(0x0304);
    expect(tlsEve(s).version).toBe('TLS 1.3');
    expect(s.serverCert).toBeNull();
    expect(s.handshakeDone).toBe(true);
    expect(s.events).toEqual([]);
  });

  it('HelloRetryRequest keeps the second ClientHello in clear; the first one keeps its fingerprints', () => {
    const s = new TlsState();
    run(s, true, record(22, clientHello(0x0303, [0x1301], [ext(0x002b, vec8(list16([0x0304])))])));
    const firstJa4 = s.ja4;
    const hrrRandom = [0xcf, 0x21, 0xad, 0x74, ...new Array<number>(28).fill(0)];
    run(s, false, record(22, serverHello(0x0303, 0x1301, [ext(0x002b, u16(0x0304))], [], hrrRandom)));
    // Compatibility-mode CCS before the second ClientHello changes nothing in 1.3.
    run(s, true, [...record(20, [1]), ...record(22, clientHello(0x0303, [0x1301], [sniExt('second.example')]))]);
    expect(s.sni).toBe('second.example');
    expect(s.ja4).toBe(firstJa4);
  });

  it('SSLv2-compatible ClientHello gives the client version', () => {
    const s = new TlsState();
    // 2-byte header (msb), CLIENT-HELLO (1), version 3.1, then cipher specs etc.
    const body = [1, 3, 1, ...u16(3), ...u16(0), ...u16(16), 0, 0, 4, ...new Array<number>(16).fill(9)];
    run(s, true, [0x80 | (body.length >> 8), body.length & 0xff, ...body]);
    expect(s.clientVersion).toBe(0x0301);
    expect(s.events).toEqual([]);
    expect(tlsVersionText(0x0002)).toBe('SSLv2');
  });

  it('a gap drops the partial record; parsing resumes at the next record header', () => {
    const s = new TlsState();
    s.feed(true, clientBytes, 0, 20);
    s.gap(true, 50);
    const junk = bytes(new Array<number>(30).fill(0x99));
    s.feed(true, junk, 0, junk.length);
    expect(s.counters.bytesSkipped).toBe(30);
    run(s, true, clientBytes);
    expect(s.sni).toBe('www.example.com');
    expect(s.events).toEqual([]);
  });
});

describe('TLS events', () => {
  it('invalid record type and version stop the direction', () => {
    const s = new TlsState();
    run(s, true, [0x30, 3, 1, 0, 2, 0, 0, ...record(22, chromeHello)]);
    expect(s.events).toEqual(['invalid_record_type']);
    expect(s.clientHelloDone).toBe(false);
    const t = new TlsState();
    run(t, false, [0x16, 9, 1, 0, 1, 0]);
    expect(t.events).toEqual(['invalid_record_version']);
  });

  it('record length zero or over 2^14+1024, short handshake record (app-layer-ssl.c checks)', () => {
    const s = new TlsState();
    run(s, true, [22, 3, 1, 0, 0]);
    expect(s.events).toEqual(['invalid_record_length']);
    const t = new TlsState();
    run(t, true, [22, 3, 1, ...[0x44, 0x01]]);
    expect(t.events).toEqual(['invalid_record_length']);
    const u = new TlsState();
    run(u, true, record(22, [1, 0, 0]));
    expect(u.events).toEqual(['invalid_ssl_record']);
  });

  it('unknown record type: tolerated on a TLS 1.0 connection (rest of the input dropped), fatal otherwise', () => {
    const s = new TlsState();
    run(s, true, record(22, ja3Hello, 0x0301)); // client version 0x0301
    run(s, true, [0x30, 3, 1, 0, 2, 0, 0, ...record(24, [1, 0, 1, 0])]);
    expect(s.events).toEqual(['invalid_record_type']);
    run(s, true, record(24, [1, ...u16(1), 9, ...new Array<number>(16).fill(0)]));
    expect(s.events).toEqual(['invalid_record_type', 'heartbeat_message']);
  });

  it('heartbeat of an unknown type', () => {
    const s = new TlsState();
    run(s, true, record(24, [7, ...u16(1), 9, ...new Array<number>(16).fill(0)]));
    expect(s.events).toEqual(['heartbeat_message', 'invalid_heartbeat_message']);
  });

  it('heartbeat and Heartbleed-style overflow', () => {
    const s = new TlsState();
    run(s, true, record(24, [1, ...u16(0x4000), 1, 2, 3]));
    expect(s.events).toEqual(['heartbeat_message', 'overflow_heartbeat_message']);
    const t = new TlsState();
    run(t, true, record(24, [1, ...u16(2), 1, 2, ...new Array<number>(16).fill(0)]));
    expect(t.events).toEqual(['heartbeat_message']);
  });

  it('multiple SNI extensions, bad SNI type, bad SNI length', () => {
    const s = new TlsState();
    run(s, true, record(22, clientHello(0x0303, [0x1301], [sniExt('a.example'), sniExt('b.example')])));
    expect(s.events).toEqual(['multiple_sni_extensions']);
    expect(s.sni).toBe('a.example');
    const t = new TlsState();
    run(t, true, record(22, clientHello(0x0303, [0x1301], [ext(0, vec16([1, ...vec16(ascii('x'))]))])));
    expect(t.events).toEqual(['invalid_sni_type']);
    const u = new TlsState();
    run(u, true, record(22, clientHello(0x0303, [0x1301], [ext(0, [...u16(6), 0, ...u16(40), 0x61, 0x62, 0x63])])));
    expect(u.events).toEqual(['invalid_sni_length']);
  });

  it('unknown handshake type, oversized handshake, broken certificate', () => {
    const s = new TlsState();
    run(s, true, record(22, handshake(99, [1, 2])));
    expect(s.events).toEqual(['invalid_handshake_message']);
    const t = new TlsState();
    run(t, false, record(22, [2, 0x7f, 0xff, 0xff]));
    expect(t.events).toEqual(['handshake_invalid_length']);
    const u = new TlsState();
    run(u, false, record(22, [...sh12, ...certificate([bytes([0x30, 0x03, 1, 2, 3])])]));
    expect(u.events).toEqual(['invalid_certificate']);
    expect(u.serverCerts).toHaveLength(1); // tls.certs still sees the raw bytes
    const v = new TlsState();
    run(v, false, record(22, [...sh12, ...handshake(11, [...u24(100), ...u24(3), 1, 2, 3])]));
    expect(v.events).toEqual(['certificate_invalid_length']);
  });
});

describe('TLS version names and keyword values', () => {
  it('EVE names and tls.version matching (drafts count as 1.3 unless raw)', () => {
    expect([0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f1c, 0].map(tlsVersionText)).toEqual([
      'SSLv3', 'TLSv1', 'TLS 1.1', 'TLS 1.2', 'TLS 1.3', 'TLS 1.3 draft-28', 'UNDETERMINED',
    ]);
    const v13 = tlsVersionFromKeyword('1.3')!;
    expect(tlsVersionMatches(v13, 0x7f1c)).toBe(true);
    expect(tlsVersionMatches(tlsVersionFromKeyword('0x7f1c')!, 0x7f1c)).toBe(true);
    expect(tlsVersionMatches(tlsVersionFromKeyword('0x0304')!, 0x7f1c)).toBe(false);
    expect(tlsVersionFromKeyword('2.0')).toBeUndefined();
  });
});

describe('TLS probing and certificate parsing', () => {
  it('record header patterns per direction', () => {
    const ch = bytes(record(22, chromeHello, 0x0301));
    expect(probeTls(true, ch, 0, ch.length)).toBe(TLS_PROBE_YES);
    expect(probeTls(true, ch, 0, 2)).toBe(TLS_PROBE_NEED_MORE);
    expect(probeTls(false, bytes([0x17, 3, 3, 0, 5]), 0, 5)).toBe(TLS_PROBE_YES);
    expect(probeTls(true, bytes([0x17, 3, 3, 0, 5]), 0, 5)).toBe(TLS_PROBE_NO);
    const get = Buffer.from('GET / HTTP/1.1\r\n');
    expect(probeTls(true, get, 0, get.length)).toBe(TLS_PROBE_NO);
    expect(probeTls(true, bytes([0x80, 0x2e, 1, 3, 1]), 0, 5)).toBe(TLS_PROBE_YES);
  });

  it('parses the CA certificate; rejects non-certificates without throwing', () => {
    expect(parseCertificate(CA)).toMatchObject({ subject: 'C=DE, O=Mirrorsink CA, CN=Mirrorsink Root', serial: '07' });
    expect(parseCertificate(bytes([1, 2, 3]))).toBeNull();
    expect(parseCertificate(LEAF.subarray(0, 100))).toBeNull();
  });
});

describe('TLS garbage never throws', () => {
  it('random bytes both ways, random segmentation and gaps', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(400), { maxLength: 4 }), fc.boolean(), (data, cuts, dir) => {
        const s = new TlsState();
        run(s, dir, data, cuts.map((c) => Math.min(c, data.length)).sort((a, b) => a - b));
        s.gap(dir, 3);
        run(s, !dir, data);
        s.end(dir);
        JSON.stringify(tlsEve(s));
        probeTls(dir, data, 0, data.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid handshakes', () => {
    const client = bytes(record(22, chromeHello, 0x0301));
    const server = bytes(serverFlight);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(server.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(server.length),
        (muts, cut) => {
          const c = Uint8Array.from(client);
          const sv = Uint8Array.from(server);
          for (const [i, v] of muts) {
            sv[i] = v;
            c[i % c.length] = v;
          }
          const s = new TlsState();
          run(s, true, c, [Math.min(cut, c.length)]);
          run(s, false, sv, [cut]);
          JSON.stringify(tlsEve(s));
        },
      ),
      { numRuns: 300 },
    );
  });
});
