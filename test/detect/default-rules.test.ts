/**
 * The default ruleset (rules/) against the bundled captures (captures/): every rule fires on
 * the capture made for it, the benign capture raises nothing, and every rule is exercised by
 * some capture. Packet and flow rules through a flow table and the detect engine alone; the
 * `alert http` rules through the whole replay pipeline (stream, app layer, EVE), with the
 * EVE alert's `http` object checked.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DetectEngine } from '../../src/detect/engine.js';
import { DEFAULT_RULES_DIR, loadRuleFiles } from '../../src/detect/rule-loader.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { TcpStreamStage } from '../../src/stream/stream-stage.js';
import { AppLayer } from '../../src/applayer/app-layer.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { REPO_ROOT } from '../helpers/corpus.js';
import { bundledCaptures, replayCaptureEve, type EveRecord } from '../helpers/replay-captures.js';
import { DOWNLOAD_SERVER, LFI_URI, SQLI_URI, WEB_ATTACKER } from '../../src/emulator/captures/scenarios/web-attacks.js';

const CAPTURES = path.join(REPO_ROOT, 'captures');
const HAVE_CAPTURES = existsSync(CAPTURES) && readdirSync(CAPTURES).some((f) => f.endsWith('.pcap'));
if (!HAVE_CAPTURES) process.stderr.write(`\nNOTICE: ${CAPTURES} has no captures yet: default-rules tests are skipped (npm run captures)\n\n`);

/** capture → sid → alert count */
function replayAll(): Map<string, Map<number, number>> {
  const rs = loadRuleFiles([DEFAULT_RULES_DIR]);
  expect(rs.failures).toEqual([]);
  const out = new Map<string, Map<number, number>>();
  for (const f of readdirSync(CAPTURES).filter((x) => x.endsWith('.pcap')).sort()) {
    const counts = new Map<number, number>();
    const ft = new FlowTable({ hashSeed: 1 });
    const eng = new DetectEngine(rs, ft, [{ alert: (_p, r) => void counts.set(r.sid, (counts.get(r.sid) ?? 0) + 1) }]);
    const pl = new Pipeline({ flow: ft, detect: eng });
    readCaptureFile(path.join(CAPTURES, f), pl);
    pl.finish();
    // App-layer rules (alert dns / alert tls) need reassembly and the app layer, as replay
    // assembles them: a second run counts those rules only.
    const ft2 = new FlowTable({ hashSeed: 1 });
    const stream = new TcpStreamStage(ft2);
    const app = new AppLayer(ft2.capacity);
    ft2.storage.register(app);
    stream.setApp(app);
    const onApp = (r: { sid: number; alproto: number }) => {
      if (r.alproto !== 0) counts.set(r.sid, (counts.get(r.sid) ?? 0) + 1);
    };
    const eng2 = new DetectEngine(rs, ft2, [{ alert: (_p, r) => onApp(r) }], { appLayer: app });
    const pl2 = new Pipeline({ flow: ft2, stream, detect: eng2 });
    readCaptureFile(path.join(CAPTURES, f), pl2);
    pl2.finish();
    out.set(f, counts);
  }
  return out;
}

(HAVE_CAPTURES ? describe : describe.skip)('default ruleset on the bundled captures', () => {
  const results = HAVE_CAPTURES ? replayAll() : new Map<string, Map<number, number>>();
  const sids = (f: string) => Object.fromEntries([...(results.get(f) ?? new Map<number, number>())].sort((a, b) => a[0] - b[0]));

  it.each([
    ['ssh-bruteforce.pcap', { 9000001: 1 }],
    ['rdp-bruteforce.pcap', { 9000002: 1 }],
    ['portscan.pcap', { 9000003: 1 }],
    ['tcp-flags-scan.pcap', { 9000040: 1, 9000041: 1, 9000042: 1 }],
    ['cleartext.pcap', { 9000010: 1, 9000011: 1, 9000012: 1 }],
    ['known-bad.pcap', { 9000020: 1, 9000021: 1, 9000070: 1 }],
    ['ipv6.pcap', { 9000030: 1 }],
    ['http.pcap', { 9000050: 1, 9000051: 1 }],
    // Its attacks are HTTP-level: the app-layer pass only (EVE objects checked below).
    ['web-attacks.pcap', { 9000052: 1, 9000053: 1, 9000054: 1, 9000055: 1, 9000056: 1, 9000057: 1, 9000058: 2, 9000059: 1 }],
    // NXDOMAIN (packet rule), a watched domain, the AXFR over TCP, the known-bad lookup.
    ['dns.pcap', { 9000060: 1, 9000061: 1, 9000062: 1, 9000063: 1 }],
    // The self-signed certificate, by subject and by issuer.
    ['tls.pcap', { 9000071: 1, 9000072: 1 }],
    // The sweep, plus the traceroute to 198.51.100.99 (a KNOWN_BAD_ADDRESSES example) and its
    // ICMP port-unreachable answer.
    ['icmp-sweep.pcap', { 9000004: 1, 9000020: 1, 9000021: 1 }],
    // Benign traffic raises nothing.
    ['two-enis.pcap', {}],
    ['direction-vnis.pcap', {}],
    ['truncated.pcap', {}],
    ['malformed.pcap', {}],
  ])('%s', (file, expected) => {
    expect(results.has(file), `${file} missing from captures/`).toBe(true);
    expect(sids(file)).toEqual(expected);
  });

  it('every rule of the default ruleset fires on some capture (packet rules here, http rules in the whole pipeline)', { timeout: 300_000 }, async () => {
    const rs = loadRuleFiles([DEFAULT_RULES_DIR]);
    const fired = new Set<number>();
    for (const c of results.values()) for (const s of c.keys()) fired.add(s);
    // App-layer rules (alert http, and dns/tls once they load) fire only in the whole pipeline.
    for (const f of bundledCaptures()) for (const r of (await replayCaptureEve(f)).records) if (r.event_type === 'alert') fired.add(r.alert.signature_id as number);
    expect(rs.rules.map((r) => r.sid).filter((s) => !fired.has(s))).toEqual([]);
  });
});

const SQLMAP = /^sqlmap\/1\.8\.4/;
const NIKTO = /\(Nikto\/2\.5\.0\)/;

/** sid, capture, alerts, the EVE alerts' src_ip and http objects (subsets), in file order. */
const HTTP_RULES: [number, string, number, string, Record<string, unknown>[]][] = [
  [9000052, 'web-attacks.pcap', 1, WEB_ATTACKER, [{ hostname: 'www.example.com', url: SQLI_URI, http_method: 'GET', protocol: 'HTTP/1.1', http_user_agent: expect.stringMatching(SQLMAP) }]],
  [9000053, 'web-attacks.pcap', 1, WEB_ATTACKER, [{ hostname: 'www.example.com', url: LFI_URI, http_method: 'GET' }]],
  // two sqlmap requests, one alert per source per minute
  [9000054, 'web-attacks.pcap', 1, WEB_ATTACKER, [{ url: SQLI_URI, http_user_agent: expect.stringMatching(SQLMAP) }]],
  // the pipelined pair: first request alerts, the threshold holds the second
  [9000055, 'web-attacks.pcap', 1, WEB_ATTACKER, [{ url: '/phpmyadmin/', http_method: 'GET', http_user_agent: expect.stringMatching(NIKTO) }]],
  // the second request of the pipelined pair, with its own response
  [9000056, 'web-attacks.pcap', 1, WEB_ATTACKER, [{ url: '/', http_method: 'TRACE', status: 405, http_user_agent: expect.stringMatching(NIKTO) }]],
  // a response rule: the server is the alert's source
  [9000057, 'web-attacks.pcap', 1, '10.0.1.10', [{ url: SQLI_URI, status: 500, http_content_type: 'text/html' }]],
  // chunked, then gzip: file.data dechunked and decompressed
  [9000058, 'web-attacks.pcap', 2, DOWNLOAD_SERVER, [
    { hostname: DOWNLOAD_SERVER, url: '/update/setup.exe', status: 200, http_content_type: 'application/octet-stream', length: 2048 },
    { hostname: 'cdn.example.net', url: '/static/app.bin', status: 200, http_content_type: 'application/octet-stream' },
  ]],
  [9000059, 'web-attacks.pcap', 1, '10.0.2.20', [{ hostname: DOWNLOAD_SERVER, url: '/update/setup.exe', http_method: 'GET' }]],
];
const HTTP_SIDS = new Set(HTTP_RULES.map((r) => r[0]));

(HAVE_CAPTURES ? describe : describe.skip)('default http rules on the bundled captures (whole replay pipeline)', () => {
  const alerts = new Map<string, EveRecord[]>();
  beforeAll(async () => {
    for (const f of bundledCaptures()) alerts.set(f, (await replayCaptureEve(f)).records.filter((r) => r.event_type === 'alert'));
  }, 300_000);

  it.each(HTTP_RULES)('sid %i fires on %s %i time(s), EVE http object as expected', (sid, file, count, src, http) => {
    const got = alerts.get(file)!.filter((r) => r.alert.signature_id === sid);
    expect(got).toHaveLength(count);
    got.forEach((r, i) => {
      expect(r.app_proto).toBe('http');
      expect(r.src_ip).toBe(src);
      expect(r.http).toMatchObject(http[i]!);
    });
  });

  it('no capture but web-attacks.pcap fires them: the HTTP of two-enis.pcap, http.pcap, ipv6.pcap, truncated.pcap is not alerted on', () => {
    const stray: Record<string, number[]> = {};
    for (const [f, recs] of alerts) {
      if (f === 'web-attacks.pcap') continue;
      const sids = recs.map((r) => r.alert.signature_id as number).filter((s) => HTTP_SIDS.has(s));
      if (sids.length > 0) stray[f] = sids;
    }
    expect(stray).toEqual({});
    expect(alerts.has('two-enis.pcap') && alerts.has('http.pcap')).toBe(true);
  });

  it('web-attacks.pcap raises exactly these alerts', () => {
    const bySid: Record<number, number> = {};
    for (const r of alerts.get('web-attacks.pcap')!) bySid[r.alert.signature_id] = (bySid[r.alert.signature_id] ?? 0) + 1;
    expect(bySid).toEqual(Object.fromEntries(HTTP_RULES.map(([sid, , n]) => [sid, n])));
  });
});

/** DNS and TLS default rules: sid, capture, the EVE alert's app_proto and its dns/tls object (subset). */
const DNS_TLS_RULES: [number, string, 'dns' | 'tls', Record<string, unknown>][] = [
  [9000063, 'dns.pcap', 'dns', { queries: [expect.objectContaining({ rrname: 'cdn-update.example', rrtype: 'A' })] }],
  // DNS over TCP: length prefix and message in separate segments.
  [9000062, 'dns.pcap', 'dns', { queries: [expect.objectContaining({ rrname: 'internal.example', rrtype: 'AXFR' })] }],
  [9000070, 'known-bad.pcap', 'tls', { sni: 'cdn-update.example', version: 'TLS 1.3' }],
  [9000071, 'tls.pcap', 'tls', { sni: 'files.example.net', version: 'TLS 1.2', subject: 'C=AU, ST=Some-State, O=Internet Widgits Pty Ltd, CN=files.example.net' }],
  [9000072, 'tls.pcap', 'tls', { sni: 'files.example.net', issuerdn: 'C=AU, ST=Some-State, O=Internet Widgits Pty Ltd, CN=files.example.net', notbefore: '2026-10-01T00:00:00', notafter: '2027-10-01T00:00:00' }],
];

(HAVE_CAPTURES ? describe : describe.skip)('default dns and tls rules on the bundled captures (whole replay pipeline)', () => {
  const alerts = new Map<string, EveRecord[]>();
  beforeAll(async () => {
    for (const f of ['dns.pcap', 'known-bad.pcap', 'tls.pcap']) alerts.set(f, (await replayCaptureEve(f)).records.filter((r) => r.event_type === 'alert'));
  }, 300_000);

  it.each(DNS_TLS_RULES)('sid %i fires once on %s with its EVE %s object', (sid, file, proto, obj) => {
    const got = alerts.get(file)!.filter((r) => r.alert.signature_id === sid);
    expect(got).toHaveLength(1);
    expect(got[0]!.app_proto).toBe(proto);
    expect((got[0] as Record<string, unknown>)[proto]).toMatchObject(obj);
  });
});
