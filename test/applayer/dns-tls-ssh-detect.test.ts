/**
 * DNS, TLS and SSH wired to the stream (and, for DNS, to UDP flows) and to detection, end to end
 * through `mirrorsink replay` over pcaps built here: tls.sni on a ClientHello split across TCP
 * segments, dns.query on DNS over TCP split across segments, a UDP DNS query and its compressed
 * response, dotprefix/endswith/bsize on DNS names, ja3/ssh keywords, truncated messages (events,
 * not throws), EVE dns/tls/ssh records and the protocol objects of alerts, every record checked
 * against Suricata's EVE schema; eve.dns/tls/ssh: false switch the records off.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPcap } from '../../src/output/pcap-writer.js';
import { runCli } from '../helpers/tools.js';
import { eveSchemaValidator } from '../helpers/eve-schema.js';
import { eth, ipv4, tcp, udp } from '../decode/builders.js';
import {
  DNS_A, dnsA, dnsQuery, dnsResponse, sshKexInit, tlsClientHello, tlsClientHelloSessionId, tlsServerHello,
} from '../../src/emulator/captures/packet-builder.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ms-al2-detect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const C_ISN = 1000;
const S_ISN = 5000;

interface Seg {
  from: 'c' | 's';
  flags: number;
  data?: string | Uint8Array;
}

const enc = (d: string | Uint8Array | undefined): Uint8Array => (d === undefined ? new Uint8Array(0) : typeof d === 'string' ? Buffer.from(d, 'latin1') : d);

function conversation(segs: Seg[], port: number): Uint8Array[] {
  const next = { c: 0, s: 0 };
  return segs.map((s) => {
    const c = s.from === 'c';
    const payload = enc(s.data);
    const rel = next[s.from];
    const seq = s.flags & SYN ? (c ? C_ISN : S_ISN) : (c ? C_ISN : S_ISN) + 1 + rel;
    const other = c ? 's' : 'c';
    const ack = (s.flags & ACK) !== 0 ? (c ? S_ISN : C_ISN) + 1 + next[other] : 0;
    next[s.from] = rel + payload.length;
    const l4 = tcp({ sport: c ? 40000 : port, dport: c ? port : 40000, seq: seq >>> 0, ack: ack >>> 0, flags: s.flags }, payload);
    return eth({ type: 0x0800 }, ipv4({ proto: 6, src: c ? '10.0.0.1' : '10.0.0.2', dst: c ? '10.0.0.2' : '10.0.0.1' }, l4));
  });
}

const HS: Seg[] = [
  { from: 'c', flags: SYN },
  { from: 's', flags: SYN | ACK },
  { from: 'c', flags: ACK },
];
const END: Seg[] = [
  { from: 'c', flags: ACK | FIN },
  { from: 's', flags: ACK | FIN },
  { from: 'c', flags: ACK },
];

function udpFrame(c: boolean, payload: Uint8Array, port = 53): Uint8Array {
  return eth({ type: 0x0800 }, ipv4({ proto: 17, src: c ? '10.0.0.1' : '10.0.0.53', dst: c ? '10.0.0.53' : '10.0.0.1' }, udp({ sport: c ? 33333 : port, dport: c ? port : 33333 }, payload)));
}

interface Eve {
  event_type: string;
  pcap_cnt?: number;
  tx_id?: number;
  app_proto?: string;
  src_ip?: string;
  alert?: { signature_id: number };
  dns?: Record<string, unknown>;
  tls?: Record<string, unknown>;
  ssh?: Record<string, unknown>;
}

let n = 0;
function run(frames: Uint8Array[], rules: string, config?: string): Eve[] {
  n++;
  const pcap = path.join(dir, `t${n}.pcap`);
  writeFileSync(pcap, buildPcap(frames.map((data, i) => ({ data, tsSec: 1_700_000_000 + i })), { linktype: 1, snaplen: 65535 }));
  const rf = path.join(dir, `t${n}.rules`);
  writeFileSync(rf, rules);
  const eve = path.join(dir, `t${n}.json`);
  const args = ['replay', pcap, '--rules', rf, '--eve', eve, '--json', '--quiet'];
  if (config !== undefined) {
    const cf = path.join(dir, `t${n}.yaml`);
    writeFileSync(cf, config.replace('EVE', eve).replace('RULES', rf));
    args.splice(2, 4, '-c', cf);
  }
  const r = runCli(args);
  expect(r.status, r.stderr).toBe(0);
  const events = readFileSync(eve, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Eve);
  const validate = eveSchemaValidator();
  if (validate !== null) {
    for (const e of events) {
      // tunnel.vni / tunnel.session are mirrorsink's documented extension (none here).
      expect(validate(e), `${JSON.stringify(e)}\n${JSON.stringify(validate.errors)}`).toBe(true);
    }
  }
  return events;
}

const sids = (ev: Eve[]) => ev.filter((e) => e.event_type === 'alert').map((e) => e.alert!.signature_id);
const rand = (k: number) => new Uint8Array(k).fill(7);

describe('TLS through the replay pipeline', () => {
  const hello = tlsClientHello('www.evil.example', rand);
  const serverHello = tlsServerHello(rand, tlsClientHelloSessionId(hello), 40);

  it('tls.sni matches a ClientHello split across three segments; EVE tls record and the tls object of the alert', () => {
    const a = hello.subarray(0, 7);
    const b = hello.subarray(7, 60);
    const c = hello.subarray(60);
    const ev = run(
      conversation(
        [...HS, { from: 'c', flags: ACK, data: a }, { from: 'c', flags: ACK, data: b }, { from: 'c', flags: ACK, data: c }, { from: 's', flags: ACK }, { from: 'c', flags: ACK }, { from: 's', flags: ACK, data: serverHello }, { from: 'c', flags: ACK }, ...END],
        443,
      ),
      [
        'alert tls any any -> any any (msg:"sni"; flow:established,to_server; tls.sni; content:"evil.example"; endswith; sid:1;)',
        'alert tls any any -> any any (msg:"sni dot"; tls.sni; dotprefix; content:".evil.example"; endswith; bsize:17; sid:2;)',
        'alert tls any any -> any any (msg:"other sni"; tls.sni; content:"good.example"; sid:3;)',
        'alert tcp any any -> any 443 (msg:"version"; tls.version:1.3; ssl_state:client_hello; sid:4;)',
        'alert tls any any -> any any (msg:"ja3"; ja3.hash; bsize:32; sid:5;)',
      ].join('\n'),
    );
    expect(sids(ev).sort()).toEqual([1, 2, 4, 5]);
    const alert = ev.find((e) => e.event_type === 'alert' && e.alert!.signature_id === 1)!;
    expect(alert.app_proto).toBe('tls');
    expect(alert.tls?.sni).toBe('www.evil.example');
    const tls = ev.filter((e) => e.event_type === 'tls');
    expect(tls).toHaveLength(1);
    expect(tls[0]!.tls!.sni).toBe('www.evil.example');
    expect(tls[0]!.tls!.version).toBe('TLS 1.3');
    // A rule uses ja3.hash: fingerprints are in the records (Suricata computes them then).
    expect(typeof (tls[0]!.tls!.ja3 as { hash: string }).hash).toBe('string');
    expect(tls[0]!.src_ip).toBe('10.0.0.1');
  });

  it('eve.tls: false leaves the records out; without ja3 rules no fingerprints', () => {
    const frames = conversation([...HS, { from: 'c', flags: ACK, data: hello }, { from: 's', flags: ACK, data: serverHello }, { from: 'c', flags: ACK }, ...END], 443);
    const on = run(frames, 'alert tls any any -> any any (msg:"sni"; tls.sni; content:"evil"; sid:1;)\n');
    expect(on.filter((e) => e.event_type === 'tls')).toHaveLength(1);
    expect(on.find((e) => e.event_type === 'tls')!.tls!.ja3).toBeUndefined();
    const off = run(frames, 'alert tls any any -> any any (msg:"sni"; tls.sni; content:"evil"; sid:1;)\n', 'eve:\n  path: EVE\n  tls: false\nrules:\n  files: [RULES]\n');
    expect(off.filter((e) => e.event_type === 'tls')).toHaveLength(0);
    expect(sids(off)).toEqual([1]);
  });
});

describe('DNS through the replay pipeline', () => {
  const q = dnsQuery(0x1234, 'www.bad-domain.example', DNS_A);
  const r = dnsResponse(0x1234, 'www.bad-domain.example', DNS_A, [{ type: DNS_A, ttl: 60, data: dnsA('192.0.2.7') }]);

  it('UDP: dns.query alert on the query, compressed answer name on the response, EVE dns v3 records', () => {
    const ev = run(
      [udpFrame(true, q), udpFrame(false, r)],
      [
        'alert dns any any -> any any (msg:"query"; dns.query; content:"bad-domain"; sid:1;)',
        'alert dns any any -> any any (msg:"query dot"; dns.query; dotprefix; content:".bad-domain.example"; endswith; sid:2;)',
        'alert dns any any -> any any (msg:"answer"; flow:to_client; dns.answer.name; content:"www.bad-domain.example"; bsize:22; sid:3;)',
        'alert udp any any -> any 53 (msg:"udp+dns.query"; dns_query; content:"www."; startswith; sid:4;)',
        'alert dns any any -> any any (msg:"opcode"; dns.opcode:0; dns.rrtype:A; sid:5;)',
        'alert dns any any -> any any (msg:"other"; dns.query; content:"good"; sid:6;)',
      ].join('\n'),
    );
    // sid 5 has no direction and symmetric keywords: the request and the response (two txs,
    // as in Suricata 8) both match.
    expect(sids(ev).sort()).toEqual([1, 2, 3, 4, 5, 5]);
    const a1 = ev.find((e) => e.event_type === 'alert' && e.alert!.signature_id === 1)!;
    expect(a1.app_proto).toBe('dns');
    expect(a1.pcap_cnt).toBe(1);
    expect((a1.dns!.queries as { rrname: string }[])[0]!.rrname).toBe('www.bad-domain.example');
    expect(ev.find((e) => e.event_type === 'alert' && e.alert!.signature_id === 3)!.pcap_cnt).toBe(2);
    const dns = ev.filter((e) => e.event_type === 'dns');
    expect(dns.map((e) => [e.dns!.type, e.dns!.version, e.src_ip])).toEqual([
      ['request', 3, '10.0.0.1'],
      ['response', 3, '10.0.0.53'],
    ]);
    expect((dns[1]!.dns!.answers as { rdata: string }[])[0]!.rdata).toBe('192.0.2.7');
  });

  it('TCP: a length-prefixed query split across segments (even the length) still alerts', () => {
    const msg = Buffer.concat([Buffer.from([q.length >> 8, q.length & 0xff]), q]);
    const ev = run(
      conversation([...HS, { from: 'c', flags: ACK, data: msg.subarray(0, 1) }, { from: 'c', flags: ACK, data: msg.subarray(1, 15) }, { from: 'c', flags: ACK, data: msg.subarray(15) }, { from: 's', flags: ACK }, ...END], 53),
      'alert dns any any -> any any (msg:"tcp query"; flow:to_server; dns.query; content:"bad-domain.example"; endswith; sid:1;)\n',
    );
    expect(sids(ev)).toEqual([1]);
    expect(ev.filter((e) => e.event_type === 'dns').map((e) => e.dns!.type)).toEqual(['request']);
  });

  it('truncated and garbage datagrams on port 53: no throw, no tx, later queries still parsed', () => {
    const ev = run(
      [udpFrame(true, q.subarray(0, 20)), udpFrame(true, Uint8Array.from([1, 2, 3])), udpFrame(true, q)],
      'alert dns any any -> any any (msg:"query"; dns.query; content:"bad-domain"; sid:1;)\n',
    );
    // Datagrams that are not DNS do not end detection at once (Suricata retries UDP): the
    // third one is detected and parsed.
    expect(sids(ev)).toEqual([1]);
    expect(ev.find((e) => e.event_type === 'alert')!.pcap_cnt).toBe(3);
    expect(ev.filter((x) => x.event_type === 'dns').map((e) => (e.dns!.queries as unknown[]).length)).toEqual([1]);
  });

  it('parser events: app-layer-event:dns.z_flag_set alerts on the tx; the event is an EVE anomaly record', () => {
    const z = Uint8Array.from(q);
    z[3] = z[3]! | 0x40; // the reserved Z bit
    const ev = run([udpFrame(true, z), udpFrame(false, r)], 'alert dns any any -> any any (msg:"z"; app-layer-event:dns.z_flag_set; sid:1;)\n');
    expect(ev.filter((e) => e.event_type === 'alert').map((e) => [e.alert!.signature_id, e.pcap_cnt, e.tx_id])).toEqual([[1, 1, 0]]);
    const an = ev.filter((e) => e.event_type === 'anomaly') as unknown as { anomaly: Record<string, string>; tx_id: number; src_ip: string }[];
    expect(an.map((e) => [e.anomaly.app_proto, e.anomaly.type, e.anomaly.event, e.anomaly.layer, e.tx_id, e.src_ip])).toEqual([['dns', 'applayer', 'z_flag_set', 'proto_parser', 0, '10.0.0.1']]);
  });

  it('eve.dns: false leaves the records out, alerts stay', () => {
    const ev = run([udpFrame(true, q), udpFrame(false, r)], 'alert dns any any -> any any (msg:"query"; dns.query; content:"bad-domain"; sid:1;)\n', 'eve:\n  path: EVE\n  dns: false\nrules:\n  files: [RULES]\n');
    expect(ev.filter((e) => e.event_type === 'dns')).toHaveLength(0);
    expect(sids(ev)).toEqual([1]);
  });
});

describe('SSH through the replay pipeline', () => {
  it('ssh.software / ssh.proto on the banners; EVE ssh record', () => {
    const cb = 'SSH-2.0-libssh_0.9.6\r\n';
    const sb = 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n';
    const ev = run(
      conversation(
        [
          ...HS,
          { from: 'c', flags: ACK, data: cb.slice(0, 5) },
          { from: 'c', flags: ACK, data: cb.slice(5) },
          { from: 's', flags: ACK, data: sb },
          { from: 'c', flags: ACK, data: sshKexInit(rand(16), false) },
          { from: 's', flags: ACK, data: sshKexInit(rand(16), true) },
          { from: 'c', flags: ACK },
          ...END,
        ],
        22,
      ),
      [
        'alert ssh any any -> any any (msg:"libssh"; flow:to_server; ssh.software; content:"libssh"; sid:1;)',
        'alert ssh any any -> any any (msg:"proto"; flow:to_client; ssh.proto; content:"2.0"; bsize:3; sid:2;)',
        'alert ssh any any -> any any (msg:"legacy"; ssh.softwareversion:"OpenSSH"; flow:to_client; sid:3;)',
        'alert ssh any any -> any any (msg:"hassh"; ssh.hassh; bsize:32; sid:4;)',
      ].join('\n'),
    );
    expect(sids(ev).sort()).toEqual([1, 2, 3, 4]);
    const ssh = ev.filter((e) => e.event_type === 'ssh');
    expect(ssh).toHaveLength(1);
    expect((ssh[0]!.ssh!.client as { software_version: string }).software_version).toBe('libssh_0.9.6');
    expect((ssh[0]!.ssh!.server as { proto_version: string }).proto_version).toBe('2.0');
  });
});
