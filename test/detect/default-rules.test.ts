/**
 * The default ruleset (rules/) against the bundled captures (captures/): every rule fires on
 * the capture made for it, the benign capture raises nothing, and every rule is exercised by
 * some capture.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DetectEngine } from '../../src/detect/engine.js';
import { DEFAULT_RULES_DIR, loadRuleFiles } from '../../src/detect/rule-loader.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { TcpStreamStage } from '../../src/stream/stream-stage.js';
import { AppLayer } from '../../src/applayer/app-layer.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { REPO_ROOT } from '../helpers/corpus.js';

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
    ['dns.pcap', { 9000060: 1, 9000061: 1 }],
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

  it('every rule of the default ruleset fires on some capture', () => {
    const rs = loadRuleFiles([DEFAULT_RULES_DIR]);
    const fired = new Set<number>();
    for (const c of results.values()) for (const s of c.keys()) fired.add(s);
    expect(rs.rules.map((r) => r.sid).filter((s) => !fired.has(s))).toEqual([]);
  });
});
