/**
 * `mirrorsink replay` end to end through the built CLI on the bundled captures: the summary,
 * the default ruleset, sessions and direction from the captures' configuration, and every
 * output a replay can write (EVE, fast.log, flow logs, pcaps, alert pcaps), read back with
 * tshark or `flows query` where an independent reader exists.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';
import { haveTool, runCli, runTool } from '../helpers/tools.js';

const captures = (...names: string[]) => names.map((n) => path.join(REPO_ROOT, 'captures', n));
const ALL = readdirSync(path.join(REPO_ROOT, 'captures'))
  .filter((f) => f.endsWith('.pcap'))
  .sort()
  .map((f) => path.join(REPO_ROOT, 'captures', f));
const CONFIG = path.join(REPO_ROOT, 'captures', 'mirrorsink.yaml');
const tmp = mkdtempSync(path.join(tmpdir(), 'mirrorsink-replay-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Summary {
  packets: number;
  delivered: number;
  drops: Record<string, number>;
  decoder: Record<string, number>;
  decode_problems: Record<string, number>;
  sessions?: { name: string; vni: number | null; packets: Record<string, number> }[];
  alerts?: { total: number; by_signature: { sid: number; count: number }[] };
  flows?: { total: number; flow_log_records?: number; pcap_out?: { packets: number } };
  filter?: { accepted: number; rejected: number };
  rules: { loaded: number; failed: number };
}

function replay(args: string[]): Summary {
  const r = runCli(['replay', '--json', '--quiet', ...args]);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Summary;
}

function tsharkCount(file: string, filter?: string): number {
  const args = ['-r', file, '-T', 'fields', '-e', 'frame.number'];
  if (filter) args.push('-Y', filter);
  return runTool('tshark', args).stdout.split('\n').filter((l) => l !== '').length;
}

describe('replay on the bundled captures', () => {
  const summary = replay([...ALL, '--config', CONFIG]);

  it('decodes every packet and counts the malformed ones by reason', () => {
    expect(summary.packets).toBe(3739);
    expect(summary.drops.malformed).toBe(4);
    expect(summary.delivered).toBe(3735);
    expect(summary.decode_problems).toEqual({
      'decoder.ipv4.hlen_too_small': 1,
      'decoder.tcp.pkt_too_small': 1,
      'decoder.vxlan.pkt_too_small': 1,
      'decoder.vxlan.no_i_flag': 1,
    });
    expect(summary.decoder['decoder.vxlan']).toBe(3739);
  });

  it('uses the bundled ruleset when no rules are named, and every rule fires', () => {
    expect(summary.rules.failed).toBe(0);
    expect(summary.rules.loaded).toBeGreaterThanOrEqual(16);
    const sids = new Set(summary.alerts!.by_signature.map((s) => s.sid));
    expect(sids.size).toBe(summary.rules.loaded);
  });

  it.skipIf(!haveTool('tshark'))('counts packets per session and direction as the captures hold them', () => {
    // malformed.pcap left out: tshark does not flag all of its broken packets as malformed.
    const wellFormed = ALL.filter((f) => !f.endsWith('malformed.pcap'));
    const s = replay([...wellFormed, '--config', CONFIG, '--no-rules']);
    const bySession = Object.fromEntries(s.sessions!.map((x) => [x.name, x.packets]));
    // The one-VNI-per-direction sessions: the VNI names the direction.
    expect(bySession['eni-a-ingress']).toMatchObject({ ingress: 9, egress: 0, unknown: 0 });
    expect(bySession['eni-a-egress']).toMatchObject({ ingress: 0, egress: 8, unknown: 0 });
    // Every well-formed VNI-101 packet is ENI A's, in one direction or the other (tshark as oracle:
    // ingress copies carry the ENI's MAC as inner destination).
    // One tshark pass per file: VNI and the inner frame's MACs (second occurrence = inner).
    const rows = wellFormed.flatMap((f) =>
      runTool('tshark', ['-r', f, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=;', '-e', 'vxlan.vni', '-e', 'eth.src', '-e', 'eth.dst'])
        .stdout.split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\t')),
    );
    const count = (vni: number, mac: string, side: 'src' | 'dst') =>
      rows.filter((r) => r[0] === String(vni) && r[side === 'src' ? 1 : 2]!.split(';')[1] === mac).length;
    expect(bySession['eni-a']!.ingress).toBe(count(101, '02:00:0a:00:01:0a', 'dst'));
    expect(bySession['eni-a']!.egress).toBe(count(101, '02:00:0a:00:01:0a', 'src'));
    expect(bySession['eni-b']!.ingress).toBe(count(102, '02:00:0a:00:02:14', 'dst'));
    expect(bySession['eni-b']!.egress).toBe(count(102, '02:00:0a:00:02:14', 'src'));
    expect(bySession['eni-b']!.unknown).toBe(0);
    expect(bySession['eni-a']!.unknown).toBe(0);
  });
});

describe('replay outputs', () => {
  it('writes EVE alerts with pcap_cnt and the tunnel, and fast.log lines, one per alert', () => {
    const eve = path.join(tmp, 'eve.json');
    const fast = path.join(tmp, 'fast.log');
    const s = replay([...captures('ssh-bruteforce.pcap', 'known-bad.pcap'), '--config', CONFIG, '--eve', eve, '--fast-log', fast]);
    const alerts = readFileSync(eve, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.event_type === 'alert');
    expect(alerts.length).toBe(s.alerts!.total);
    for (const a of alerts) {
      expect(typeof a.pcap_cnt).toBe('number');
      expect((a.tunnel as Record<string, unknown>).vni).toBeTypeOf('number');
      expect(['eni-a', 'eni-b']).toContain((a.tunnel as Record<string, unknown>).session);
    }
    const lines = readFileSync(fast, 'utf8').split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(s.alerts!.total);
    expect(lines[0]).toMatch(/\[\*\*\] \[1:\d+:\d+\] .* \[\*\*\] \[Classification: .*\] \[Priority: \d\] \{TCP\} /);
  });

  it('writes VPC Flow Logs files that flows query reads back', () => {
    const dir = path.join(tmp, 'flows');
    const s = replay([...captures('two-enis.pcap'), '--config', CONFIG, '--flows-dir', dir, '--aggregation', '60', '--no-rules']);
    expect(s.flows!.flow_log_records).toBeGreaterThan(0);
    const q = runCli(['flows', 'query', 'filter logStatus = "OK" | stats sum(packets) as p', dir, '--json']);
    expect(q.status).toBe(0);
    // Every delivered packet is in exactly one record.
    expect(JSON.parse(q.stdout.trim()).p).toBe(s.delivered);
  });

  it.skipIf(!haveTool('tshark'))('writes delivered packets, decapsulated, to --pcap-out', () => {
    const out = path.join(tmp, 'inner.pcap');
    const s = replay([...captures('http.pcap'), '--pcap-out', out, '--no-rules']);
    expect(tsharkCount(out)).toBe(s.delivered);
    expect(tsharkCount(out, 'vxlan')).toBe(0);
    expect(tsharkCount(out, 'http.request')).toBe(tsharkCount(captures('http.pcap')[0]!, 'http.request'));
  });

  it.skipIf(!haveTool('tshark'))('writes delivered packets to rotated files under --pcap-dir, outer packets with --pcap-outer', () => {
    const dir = path.join(tmp, 'rotated');
    const s = replay([...captures('dns.pcap', 'http.pcap'), '--pcap-dir', dir, '--pcap-outer', '--no-rules']);
    const files = readdirSync(dir).filter((f) => f.endsWith('.pcap'));
    expect(files.length).toBeGreaterThan(0);
    const total = files.reduce((n, f) => n + tsharkCount(path.join(dir, f)), 0);
    expect(total).toBe(s.delivered);
    // Outer mode keeps the VXLAN packets as AWS sent them.
    expect(files.reduce((n, f) => n + tsharkCount(path.join(dir, f), 'vxlan'), 0)).toBe(s.delivered);
  });

  it.skipIf(!haveTool('tshark'))('writes the packets of each alert flow to <flow_id>.pcap', () => {
    const dir = path.join(tmp, 'alerts');
    const eve = path.join(tmp, 'alerts-eve.json');
    replay([...captures('cleartext.pcap'), '--alert-pcap-dir', dir, '--eve', eve]);
    const flowIds = new Set(
      readFileSync(eve, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"event_type":"alert"'))
        .map((l) => String((JSON.parse(l) as { flow_id: number }).flow_id)),
    );
    expect(flowIds.size).toBeGreaterThan(0);
    const files = readdirSync(dir);
    for (const id of flowIds) {
      const f = files.find((n) => n.includes(id));
      expect(f, `pcap for flow ${id}`).toBeDefined();
      expect(tsharkCount(path.join(dir, f!), 'tcp')).toBeGreaterThan(0);
    }
  });

  it('applies a mirror filter with a fixed direction', () => {
    const filter = path.join(REPO_ROOT, 'examples', 'filters');
    const yaml = readdirSync(filter).find((f) => f.endsWith('.yaml'));
    expect(yaml).toBeDefined();
    const s = replay([...captures('two-enis.pcap'), '--filter', path.join(filter, yaml!), '--direction', 'ingress', '--no-rules']);
    expect(s.filter!.accepted + s.filter!.rejected).toBe(56);
    expect(s.drops.filter).toBe(s.filter!.rejected);
  });

  it('fails with a one-line reason for a file that is not a capture', () => {
    const r = runCli(['replay', path.join(REPO_ROOT, 'README.md')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/not a pcap or pcapng file/);
  });
});

describe('replay of a capture cut inside its last record', () => {
  it('reads every whole record and warns about the cut one, as tcpdump does', () => {
    const cut = path.join(tmp, 'cut.pcap');
    writeFileSync(cut, readFileSync(captures('http.pcap')[0]!).subarray(0, 3000));
    const r = runCli(['replay', cut, '--json', '--quiet', '--no-rules']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/cut\.pcap: truncated dump file/);
    const s = JSON.parse(r.stdout) as { packets: number; files: { truncated_tail?: boolean }[] };
    expect(s.files[0]!.truncated_tail).toBe(true);
    expect(s.packets).toBe(12);
  });
});
