/**
 * HTTP app layer wired to the stream and to detection, end to end through `mirrorsink replay`
 * (the built CLI) over pcaps built with the project's builders: `alert http` rules with sticky
 * buffers and legacy modifiers, which packet carries the alert (Suricata's bug-78-http-uri
 * pattern: GET on packet 4, the server's ACK on 5, the alert on 6), requests split across
 * segments, chunked + gzip bodies, pipelined requests (one alert per tx), a gap inside a body,
 * ports of `alert http` rules, flowbits across transactions, EVE http records and app_proto.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPcap } from '../../src/output/pcap-writer.js';
import { runCli } from '../helpers/tools.js';
import { eth, ipv4, tcp } from '../decode/builders.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ms-http-detect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const PSH = 0x08;
const C_ISN = 1000;
const S_ISN = 5000;

interface Seg {
  from: 'c' | 's';
  flags: number;
  data?: string | Uint8Array;
  /** Explicit stream offset of the data (default: where this side is). */
  rel?: number;
}

const enc = (d: string | Uint8Array | undefined): Uint8Array => (d === undefined ? new Uint8Array(0) : typeof d === 'string' ? Buffer.from(d, 'latin1') : d);

/** Frames of a conversation: sequence and ack numbers follow the data (acks = all seen so far). */
function conversation(segs: Seg[], port = 80): Uint8Array[] {
  const next = { c: 0, s: 0 };
  return segs.map((s) => {
    const c = s.from === 'c';
    const payload = enc(s.data);
    const rel = s.rel ?? next[s.from];
    const seq = s.flags & SYN ? (c ? C_ISN : S_ISN) : (c ? C_ISN : S_ISN) + 1 + rel;
    const other = c ? 's' : 'c';
    const ack = (s.flags & ACK) !== 0 ? (c ? S_ISN : C_ISN) + 1 + next[other] : 0;
    if (rel + payload.length > next[s.from]) next[s.from] = rel + payload.length;
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

interface Eve {
  event_type: string;
  pcap_cnt?: number;
  tx_id?: number;
  app_proto?: string;
  alert?: { signature_id: number };
  http?: Record<string, unknown>;
  flow?: { pkts_toserver: number };
}

let n = 0;
function run(segs: Seg[], rules: string, opts: { port?: number; config?: string } = {}): Eve[] {
  n++;
  const pcap = path.join(dir, `t${n}.pcap`);
  writeFileSync(pcap, buildPcap(conversation(segs, opts.port).map((data, i) => ({ data, tsSec: 1_700_000_000 + i })), { linktype: 1, snaplen: 65535 }));
  const rf = path.join(dir, `t${n}.rules`);
  writeFileSync(rf, rules);
  const eve = path.join(dir, `t${n}.json`);
  const args = ['replay', pcap, '--rules', rf, '--eve', eve, '--json', '--quiet'];
  if (opts.config !== undefined) {
    const cf = path.join(dir, `t${n}.yaml`);
    writeFileSync(cf, opts.config.replace('EVE', eve).replace('RULES', rf));
    args.splice(2, 4, '-c', cf);
  }
  const r = runCli(args);
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(eve, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Eve);
}

const alerts = (ev: Eve[]) => ev.filter((e) => e.event_type === 'alert').map((e) => [e.alert!.signature_id, e.pcap_cnt]);

const GET = 'GET /index.html HTTP/1.1\r\nHost: www.Example.com\r\nUser-Agent: EvilAgent/1.0\r\nCookie: session=abc\r\n\r\n';
const RESP_BODY = 'hello world, this is the body';
const RESP = `HTTP/1.1 200 OK\r\nServer: test\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${RESP_BODY.length}\r\n\r\n${RESP_BODY}`;

describe('alert http through the replay pipeline', () => {
  it('bug-78 pattern: GET is packet 4, the server ACK 5, the http_uri alert lands on 6', () => {
    const ev = run(
      [...HS, { from: 'c', flags: ACK | PSH, data: GET }, { from: 's', flags: ACK }, { from: 'c', flags: ACK }, { from: 's', flags: ACK | PSH, data: RESP }, ...END],
      'alert http any any -> any any (msg:"uri"; content:"/index.html"; http_uri; sid:1;)\n',
    );
    const a = ev.filter((e) => e.event_type === 'alert');
    expect(alerts(ev)).toEqual([[1, 6]]);
    expect(a[0]!.flow!.pkts_toserver).toBe(4);
    expect(a[0]!.app_proto).toBe('http');
    expect(a[0]!.tx_id).toBe(0);
    expect(a[0]!.http).toMatchObject({ hostname: 'www.example.com', url: '/index.html', http_method: 'GET' });
    const flow = ev.find((e) => e.event_type === 'flow')!;
    expect(flow.app_proto).toBe('http');
  });

  it('a completed request triggers raw inspection: a stream rule fires on 6 too, not at flow end', () => {
    const ev = run(
      [...HS, { from: 'c', flags: ACK | PSH, data: GET }, { from: 's', flags: ACK }, { from: 'c', flags: ACK }, { from: 's', flags: ACK | PSH, data: RESP }, { from: 'c', flags: ACK }, ...END],
      'alert tcp any any -> any 80 (msg:"raw"; flow:established,to_server; content:"EvilAgent"; sid:5;)\n',
    );
    expect(alerts(ev)).toEqual([[5, 6]]);
  });

  it('sticky buffers and legacy modifiers on a request split across segments', () => {
    const rules = [
      'alert http any any -> any any (msg:"host"; http.host; content:"www.example.com"; sid:1;)',
      'alert http any any -> any any (msg:"ua"; content:"EvilAgent"; http_user_agent; sid:2;)',
      'alert http any any -> any any (msg:"method"; http.method; content:"GET"; bsize:3; sid:3;)',
      'alert http any any -> any any (msg:"cookie"; content:"session="; http_cookie; sid:4;)',
      'alert http any any -> any any (msg:"header"; http.header; content:"User-Agent|3a| EvilAgent"; sid:5;)',
      'alert http any any -> any any (msg:"urilen"; urilen:11; uricontent:"index"; sid:6;)',
      'alert http any any -> any any (msg:"pcre U"; pcre:"/^\\/index\\.html$/U"; sid:7;)',
      'alert http any any -> any any (msg:"no"; http.uri; content:"nothere"; sid:8;)',
      'alert http any any -> any any (msg:"raw host case"; http.host.raw; content:"Example"; sid:9;)',
    ].join('\n');
    const ev = run(
      [
        ...HS,
        { from: 'c', flags: ACK, data: GET.slice(0, 7) },
        { from: 'c', flags: ACK, data: GET.slice(7, 30) },
        { from: 'c', flags: ACK | PSH, data: GET.slice(30) },
        { from: 's', flags: ACK },
        { from: 'c', flags: ACK },
        ...END,
      ],
      rules + '\n',
    );
    const got = alerts(ev).sort((x, y) => x[0]! - y[0]!);
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 9].map((sid) => [sid, 8]));
  });

  it('response buffers: stat_code, server, chunked + gzip body (file.data), one alert per tx', () => {
    const body = gzipSync(Buffer.from('<html>secret payload here</html>'));
    const chunked = Buffer.concat([Buffer.from(`HTTP/1.1 404 Not Found\r\nServer: nginx\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n${(10).toString(16)}\r\n`), body.subarray(0, 10), Buffer.from(`\r\n${(body.length - 10).toString(16)}\r\n`), body.subarray(10), Buffer.from('\r\n0\r\n\r\n')]);
    const rules = [
      'alert http any any -> any any (msg:"code"; http.stat_code; content:"404"; sid:1;)',
      'alert http any any -> any any (msg:"body"; flow:established,to_client; file.data; content:"secret payload"; sid:2;)',
      'alert http any any -> any any (msg:"server"; http.server; content:"nginx"; sid:3;)',
      'alert http any any -> any any (msg:"msg"; content:"Not Found"; http_stat_msg; sid:4;)',
    ].join('\n');
    const ev = run(
      [
        ...HS,
        { from: 'c', flags: ACK | PSH, data: GET },
        { from: 's', flags: ACK | PSH, data: chunked.subarray(0, 40) },
        { from: 's', flags: ACK | PSH, data: chunked.subarray(40) },
        { from: 'c', flags: ACK },
        { from: 's', flags: ACK },
        ...END,
      ],
      rules + '\n',
    );
    // The response is parsed on the client's ACK (packet 7); to-client tx rules run on the next
    // to-client packet (8).
    expect(alerts(ev).sort((x, y) => x[0]! - y[0]!)).toEqual([
      [1, 8],
      [2, 8],
      [3, 8],
      [4, 8],
    ]);
    const http = ev.filter((e) => e.event_type === 'http');
    expect(http).toHaveLength(1);
    expect(http[0]!.http).toMatchObject({ status: 404, url: '/index.html', hostname: 'www.example.com' });
  });

  it('pipelined requests: each transaction alerts once, EVE http per transaction', () => {
    const two = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n';
    const r = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
    const ev = run(
      [...HS, { from: 'c', flags: ACK | PSH, data: two }, { from: 's', flags: ACK | PSH, data: r + r }, { from: 'c', flags: ACK }, { from: 's', flags: ACK }, { from: 'c', flags: ACK }, ...END],
      'alert http any any -> any any (msg:"get"; flow:to_server; http.method; content:"GET"; sid:1;)\n',
    );
    const a = ev.filter((e) => e.event_type === 'alert');
    expect(a.map((e) => [e.alert!.signature_id, e.tx_id, e.pcap_cnt])).toEqual([
      [1, 0, 6],
      [1, 1, 6],
    ]);
    expect(ev.filter((e) => e.event_type === 'http').map((e) => e.tx_id)).toEqual([0, 1]);
  });

  it('a gap in the middle of a body: headers still match, the parser survives', () => {
    const body = 'A'.repeat(100) + 'needle' + 'B'.repeat(100);
    const post = `POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: ${body.length}\r\n\r\n`;
    const full = post + body;
    const cut = post.length + 50;
    const ev = run(
      [
        ...HS,
        { from: 'c', flags: ACK, data: full.slice(0, cut), rel: 0 },
        // 20 bytes never seen, then the rest; the server ACKs everything.
        { from: 'c', flags: ACK | PSH, data: full.slice(cut + 20), rel: cut + 20 },
        { from: 's', flags: ACK },
        { from: 'c', flags: ACK },
        { from: 's', flags: ACK | PSH, data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
        ...END,
      ],
      ['alert http any any -> any any (msg:"post"; http.method; content:"POST"; sid:1;)', 'alert http any any -> any any (msg:"code"; http.stat_code; content:"200"; sid:2;)'].join('\n') + '\n',
    );
    const got = alerts(ev).map((x) => x[0]);
    expect(got).toContain(1);
    expect(got).toContain(2);
  });

  it('ports of alert http rules are the flow ports; tcp rules still see the flow', () => {
    const segs: Seg[] = [...HS, { from: 'c', flags: ACK | PSH, data: GET }, { from: 's', flags: ACK }, { from: 'c', flags: ACK }, ...END];
    const rules = [
      'alert http any any -> any 8080 (msg:"8080"; http.uri; content:"/index"; sid:1;)',
      'alert http any any -> any 80 (msg:"80"; http.uri; content:"/index"; sid:2;)',
      'alert http any 80 -> any any (msg:"wrong way"; http.uri; content:"/index"; sid:3;)',
    ].join('\n');
    expect(alerts(run(segs, rules + '\n'))).toEqual([[2, 6]]);
    expect(alerts(run(segs, rules + '\n', { port: 8080 }))).toEqual([[1, 6]]);
  });

  it('flowbits: set by a request rule, checked by a response rule', () => {
    const rules = [
      'alert http any any -> any any (msg:"set"; flow:to_server; http.uri; content:"/index"; flowbits:set,seen; flowbits:noalert; sid:1;)',
      'alert http any any -> any any (msg:"isset"; flow:to_client; flowbits:isset,seen; http.stat_code; content:"200"; sid:2;)',
      'alert http any any -> any any (msg:"isnotset"; flow:to_client; flowbits:isnotset,seen; http.stat_code; content:"200"; sid:3;)',
    ].join('\n');
    const ev = run(
      [...HS, { from: 'c', flags: ACK | PSH, data: GET }, { from: 's', flags: ACK | PSH, data: RESP }, { from: 'c', flags: ACK }, { from: 's', flags: ACK }, ...END],
      rules + '\n',
    );
    expect(alerts(ev)).toEqual([[2, 7]]);
  });

  it('alert http without buffers needs an HTTP flow; eve.http: false switches records off', () => {
    const rule = 'alert http any any -> any any (msg:"raw"; flow:established,to_server; content:"EvilAgent"; sid:1;)\n';
    const segs: Seg[] = [...HS, { from: 'c', flags: ACK | PSH, data: GET }, { from: 's', flags: ACK | PSH, data: RESP }, { from: 'c', flags: ACK }, ...END];
    expect(alerts(run(segs, rule)).map((x) => x[0])).toEqual([1]);
    const notHttp: Seg[] = [...HS, { from: 'c', flags: ACK | PSH, data: 'HELLO EvilAgent\r\n' }, { from: 's', flags: ACK }, { from: 'c', flags: ACK }, ...END];
    expect(alerts(run(notHttp, rule))).toEqual([]);
    const cfg = 'sessions: []\nrules: { files: [RULES] }\neve: { path: EVE, http: false }\nflows: { eve: true }\n';
    const ev = run(segs, rule, { config: cfg });
    expect(ev.filter((e) => e.event_type === 'http')).toEqual([]);
    expect(ev.filter((e) => e.event_type === 'alert')).toHaveLength(1);
  });
});
