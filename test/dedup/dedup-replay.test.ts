/**
 * Both ends of a conversation mirrored: every packet arrives twice (the sender's ENI and the
 * receiver's, other VNI and outer source). Replay with and without --dedup through the CLI.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/tools.js';
import { pcapFile, type PcapRecord } from '../source/capture-builders.js';
import { awsVxlan, eth, ipv4, tcp } from '../decode/builders.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mirrorsink-dedup-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CLIENT = '10.1.0.5';
const SERVER = '10.2.0.9';
const text = (s: string) => new TextEncoder().encode(s);

/** A TCP conversation, each packet mirrored from ENI A (VNI 101) and ENI B (VNI 102). */
function twiceMirrored(): string {
  const segs: { fromClient: boolean; flags: number; seq: number; ack: number; data?: string }[] = [
    { fromClient: true, flags: 0x02, seq: 100, ack: 0 },
    { fromClient: false, flags: 0x12, seq: 500, ack: 101 },
    { fromClient: true, flags: 0x10, seq: 101, ack: 501 },
    { fromClient: true, flags: 0x18, seq: 101, ack: 501, data: 'GET /EVIL-THING HTTP/1.0\r\n\r\n' },
    { fromClient: false, flags: 0x10, seq: 501, ack: 129 },
    { fromClient: false, flags: 0x18, seq: 501, ack: 129, data: 'HTTP/1.0 200 OK\r\n\r\n' },
    { fromClient: true, flags: 0x11, seq: 129, ack: 520 },
    { fromClient: false, flags: 0x11, seq: 520, ack: 130 },
    { fromClient: true, flags: 0x10, seq: 130, ack: 521 },
  ];
  const records: PcapRecord[] = [];
  let t = 1_700_000_000_000;
  for (const s of segs) {
    const inner = eth(
      { type: 0x0800 },
      ipv4(
        { proto: 6, src: s.fromClient ? CLIENT : SERVER, dst: s.fromClient ? SERVER : CLIENT, ttl: 64 },
        tcp({ sport: s.fromClient ? 40000 : 80, dport: s.fromClient ? 80 : 40000, flags: s.flags, seq: s.seq, ack: s.ack }, text(s.data ?? '')),
      ),
    );
    // The sender's ENI mirrors first (egress), the receiver's a moment later (ingress).
    const first = s.fromClient ? { vni: 101, src: '10.0.1.10' } : { vni: 102, src: '10.0.2.20' };
    const second = s.fromClient ? { vni: 102, src: '10.0.2.20' } : { vni: 101, src: '10.0.1.10' };
    for (const [copy, delay] of [[first, 0], [second, 2]] as const) {
      const ms = t + delay;
      records.push({ tsSec: Math.floor(ms / 1000), tsFrac: (ms % 1000) * 1000, data: awsVxlan(inner, copy.vni, { src: copy.src }) });
    }
    t += 10;
  }
  const file = path.join(tmp, 'twice.pcap');
  writeFileSync(file, pcapFile(records));
  return file;
}

describe('replay of a conversation mirrored from both ends', () => {
  const pcap = twiceMirrored();
  const rules = path.join(tmp, 'evil.rules');
  writeFileSync(rules, 'alert tcp any any -> any 80 (msg:"evil uri"; flow:established,to_server; content:"EVIL"; sid:1; rev:1;)\n');
  const config = path.join(tmp, 'two-enis.yaml');
  writeFileSync(
    config,
    ['sessions:', '  - { name: eni-a, vni: 101, primary_address: 10.0.1.10, addresses: [10.1.0.5] }', '  - { name: eni-b, vni: 102, primary_address: 10.0.2.20, addresses: [10.2.0.9] }', ''].join('\n'),
  );
  const run = (extra: string[]) => {
    const eve = path.join(tmp, `eve-${extra.length}.json`);
    const r = runCli(['replay', '--json', '--quiet', pcap, '--config', config, '--rules', rules, '--eve', eve, ...extra]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const records = readFileSync(eve, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event_type: string; flow?: { pkts_toserver: number; pkts_toclient: number } });
    return { summary: JSON.parse(r.stdout) as { drops: Record<string, number>; alerts?: { total: number } }, records };
  };

  it('without dedup each ENI has its own flow and the rule fires on both copies', () => {
    const { summary, records } = run([]);
    expect(summary.drops.duplicate).toBe(0);
    expect(summary.alerts?.total).toBe(2);
    expect(records.filter((r) => r.event_type === 'flow')).toHaveLength(2);
  });

  it('with --dedup the second copies are dropped and counted, one flow sees both directions, one alert', () => {
    const { summary, records } = run(['--dedup']);
    expect(summary.drops.duplicate).toBe(9);
    expect(summary.alerts?.total).toBe(1);
    const flows = records.filter((r) => r.event_type === 'flow');
    expect(flows).toHaveLength(1);
    expect(flows[0]!.flow).toMatchObject({ pkts_toserver: 5, pkts_toclient: 4 });
  });

  it('a window shorter than the copies\' spacing keeps both copies', () => {
    const { summary } = run(['--dedup', '--dedup-window', '1']);
    expect(summary.drops.duplicate).toBe(0);
  });
});
