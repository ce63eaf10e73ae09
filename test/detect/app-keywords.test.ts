/**
 * DNS / TLS / SSH rule keywords (src/detect/keywords/dns.ts, tls.ts, ssh.ts, app-buffers.ts):
 * which buffer, side and protocol each names; integer keywords' checks; legacy value forms;
 * dotprefix; refusals named with their reason.
 */
import { describe, expect, it } from 'vitest';
import { AppProto } from '../../src/applayer/app-proto.js';
import { DnsBuf } from '../../src/applayer/dns/dns-buffers.js';
import { TlsBuf } from '../../src/applayer/tls/tls-buffers.js';
import { SshBuf } from '../../src/applayer/ssh/ssh-buffers.js';
import { SSL_STATE_CLIENT_HELLO, SSL_STATE_SERVER_HELLO } from '../../src/applayer/tls/tls-state.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { Proto, TxDir, type Rule } from '../../src/detect/rule.js';
import { TRANSFORM_DOTPREFIX } from '../../src/detect/keywords/app-buffers.js';

function rule(opts: string, header = 'alert dns any any -> any any'): Rule {
  const rs = loadRulesText(`${header} (${opts} sid:1;)`);
  expect(rs.failures.map((f) => f.reason)).toEqual([]);
  return rs.rules[0]!;
}

function refusal(opts: string, header = 'alert dns any any -> any any'): string {
  const rs = loadRulesText(`${header} (${opts} sid:1;)`);
  expect(rs.rules).toHaveLength(0);
  return rs.failures[0]!.reason;
}

describe('DNS keywords', () => {
  it('alert dns is TCP or UDP; dns.query and dns_query are to-server multi-buffers', () => {
    const r = rule('dns.query; content:"evil";');
    expect(r.proto).toBe(Proto.TcpUdp);
    expect(r.alproto).toBe(AppProto.Dns);
    expect(r.txDir).toBe(TxDir.ToServer);
    expect(r.txBuffers.map((b) => b.buf)).toEqual([DnsBuf.Query]);
    expect(rule('dns_query; content:"evil";', 'alert udp any any -> any 53').txBuffers[0]!.buf).toBe(DnsBuf.Query);
  });

  it('symmetric DNS buffers inspect both sides unless the flow says otherwise; dotprefix is its own buffer', () => {
    expect(rule('dns.answer.name; content:"x";').txDir).toBe(TxDir.Both);
    expect(rule('dns.opcode:4;').txDir).toBe(TxDir.Both);
    expect(rule('flow:to_client; dns.answer.name; content:"x";').txDir).toBe(TxDir.ToClient);
    expect(rule('flow:to_server; dns.answer.name; content:"x";').txDir).toBe(TxDir.ToServer);
    const r = rule('dns.query; dotprefix; content:".evil.com"; endswith;');
    expect(r.txBuffers[0]!.buf).toBe(DnsBuf.Query | TRANSFORM_DOTPREFIX);
    expect(refusal('dns.query; content:"a"; dotprefix; content:".b";')).toMatch(/dotprefix.*before/);
    expect(refusal('dotprefix; content:"a";')).toMatch(/dotprefix.*sticky/);
  });

  it('integer keywords: dns.opcode, dns.rrtype (names), dns.rcode', () => {
    const op = rule('dns.opcode:!0;').txBuffers[0]!;
    expect(op.buf).toBe(DnsBuf.Opcode);
    expect([op.len!.test(0), op.len!.test(4)]).toEqual([false, true]);
    const rr = rule('dns.rrtype:AAAA;').txBuffers[0]!;
    expect([rr.len!.test(28), rr.len!.test(1)]).toEqual([true, false]);
    const rc = rule('dns.rcode:nxdomain;').txBuffers[0]!;
    expect(rc.len!.test(3)).toBe(true);
    expect(refusal('dns.rrtype:NOPE;')).toMatch(/unknown name/);
  });

  it('app-layer-event:dns.* is a tx event check; unknown names are refused by name', () => {
    const r = rule('app-layer-event:dns.z_flag_set;');
    expect([r.txDir, r.txBuffers[0]!.buf, r.events]).toEqual([TxDir.Both, DnsBuf.Event, []]);
    expect([r.txBuffers[0]!.len!.test(3), r.txBuffers[0]!.len!.test(0)]).toEqual([true, false]);
    expect(rule('app-layer-event:dns.not_a_request;').txBuffers[0]!.len!.test(1)).toBe(true);
    expect(refusal('app-layer-event:dns.no_such;')).toBe("app-layer-event 'dns.no_such' is not an event Suricata knows");
    expect(rule('app-layer-event:tls.invalid_sslv2_header;', 'alert tls any any -> any any').txBuffers[0]!.buf).toBe(TlsBuf.Event);
    expect(rule('app-layer-event:ssh.long_banner;', 'alert ssh any any -> any any').txBuffers[0]!.buf).toBe(SshBuf.Event);
  });

  it('buffers of two protocols, or a DNS buffer in a tls rule, are refused by name', () => {
    expect(refusal('dns.query; content:"a"; tls.sni; content:"b";', 'alert tcp any any -> any any')).toMatch(/two app-layer protocols/);
    expect(refusal('dns.query; content:"a";', 'alert tls any any -> any any')).toMatch(/dns buffer in a 'tls' rule/);
    expect(refusal('tls.sni; content:"a";', 'alert udp any any -> any any')).toMatch(/tls buffer in a 'udp' rule/);
  });
});

describe('TLS keywords', () => {
  it('sticky buffers: sni to server; certificate fields of either side without a direction', () => {
    expect(rule('tls.sni; content:"x";', 'alert tls any any -> any any').txBuffers[0]!.buf).toBe(TlsBuf.Sni);
    const subj = rule('tls.cert_subject; content:"CN=x";', 'alert tls any any -> any any');
    // The client's certificate to the server, the server's to the client (Suricata 7+).
    expect([subj.txDir, subj.txBuffers[0]!.buf, subj.txBuffers[0]!.resBuf]).toEqual([TxDir.Both, TlsBuf.CertSubject, TlsBuf.CertSubject + 1]);
    expect([subj.prefilterBuffer, subj.prefilterBufferTc]).toEqual([TlsBuf.CertSubject, TlsBuf.CertSubject + 1]);
    const server = rule('flow:to_client; tls.cert_subject; content:"CN=x";', 'alert tls any any -> any any');
    expect([server.txDir, server.txBuffers[0]!.buf]).toEqual([TxDir.ToClient, TlsBuf.CertSubject + 1]);
    const client = rule('flow:to_server; tls.cert_subject; content:"CN=x";', 'alert tls any any -> any any');
    expect(client.txBuffers[0]!.buf).toBe(TlsBuf.CertSubject);
    expect(rule('ja3.hash; content:"e7d705a3286e19ea42f587b344ee6865";', 'alert tls any any -> any any').txBuffers[0]!.buf).toBe(TlsBuf.Ja3Hash);
    expect(rule('ja3s.hash; content:"x";', 'alert tls any any -> any any').txDir).toBe(TxDir.ToClient);
    expect(rule('tls.certs; content:"x";', 'alert tls any any -> any any').txBuffers[0]!.resBuf).toBe(TlsBuf.Certs + 1);
  });

  it('tls.version, ssl_version, ssl_state checks', () => {
    const v = rule('tls.version:1.2;', 'alert tcp any any -> any any').txBuffers[0]!;
    expect([v.len!.test(0x0303), v.len!.test(0x0301)]).toEqual([true, false]);
    const sv = rule('ssl_version:tls1.2,tls1.3;', 'alert tls any any -> any any').txBuffers[0]!;
    expect([sv.len!.test(0x0303), sv.len!.test(0x0304), sv.len!.test(0x0300)]).toEqual([true, true, false]);
    const nv = rule('ssl_version:!sslv3;', 'alert tls any any -> any any').txBuffers[0]!;
    expect([nv.len!.test(0x0300), nv.len!.test(0x0303)]).toEqual([false, true]);
    const st = rule('ssl_state:client_hello|server_hello;', 'alert tls any any -> any any').txBuffers[0]!;
    expect([st.len!.test(SSL_STATE_CLIENT_HELLO), st.len!.test(SSL_STATE_SERVER_HELLO), st.len!.test(0)]).toEqual([true, true, false]);
    const ns = rule('ssl_state:!client_hello;', 'alert tls any any -> any any').txBuffers[0]!;
    expect([ns.len!.test(SSL_STATE_CLIENT_HELLO), ns.len!.test(SSL_STATE_SERVER_HELLO)]).toEqual([false, true]);
    expect(refusal('ssl_state:bogus;', 'alert tls any any -> any any')).toMatch(/unknown state/);
  });

  it('legacy tls.subject / tls.issuerdn: a content in the certificate field (negation kept)', () => {
    const r = rule('tls.subject:"CN=evil|x";', 'alert tls any any -> any any');
    expect(r.txBuffers[0]!.resBuf).toBe(TlsBuf.CertSubject + 1);
    const neg = rule('tls.issuerdn:!"CN=Good CA";', 'alert tls any any -> any any');
    expect(neg.txBuffers[0]!.ops[0]).toMatchObject({ negated: true });
  });

  it('certificate dates and validity', () => {
    const nb = rule('tls_cert_notbefore:<2020-01-01;', 'alert tls any any -> any any').txBuffers[0]!;
    expect([nb.len!.test(Date.UTC(2019, 5, 1) / 1000), nb.len!.test(Date.UTC(2021, 0, 1) / 1000)]).toEqual([true, false]);
    const ex = rule('tls_cert_expired;', 'alert tls any any -> any any').txBuffers[0]!;
    expect([ex.resBuf, ex.len!.test(1), ex.len!.test(0)]).toEqual([TlsBuf.CertExpired + 1, true, false]);
  });
});

describe('SSH keywords', () => {
  it('ssh.proto / ssh.software either side, legacy protoversion/softwareversion', () => {
    expect(rule('flow:to_client; ssh.software; content:"OpenSSH";', 'alert ssh any any -> any any').txBuffers[0]!.buf).toBe(SshBuf.Software + 1);
    expect(rule('ssh_proto; content:"2.0";', 'alert ssh any any -> any any').txBuffers[0]!.buf).toBe(SshBuf.Proto);
    const pv = rule('ssh.protoversion:"2.0";', 'alert ssh any any -> any any').txBuffers[0]!;
    expect(pv.ops[0]).toMatchObject({ startswith: true, endswith: true });
    const sv = rule('ssh.softwareversion:"OpenSSH";', 'alert ssh any any -> any any').txBuffers[0]!;
    expect(sv.ops[0]).toMatchObject({ startswith: true });
    expect(rule('ssh.hassh.server; content:"x";', 'alert ssh any any -> any any').txDir).toBe(TxDir.ToClient);
  });
});
