/**
 * The stream stage through `mirrorsink replay` (the built CLI, as an operator runs it): a pcap
 * built with the project's builders, VXLAN-wrapped as AWS mirrors send it, with a content split
 * across two out-of-order segments plus a retransmission; one alert with the stream on, none
 * with --no-stream, and the stream counters in the summary.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPcap } from '../../src/output/pcap-writer.js';
import { runCli } from '../helpers/tools.js';
import { ACK, FIN, HANDSHAKE, frame, type Seg } from './conversation.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ms-stream-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const segs: Seg[] = [
  ...HANDSHAKE,
  { from: 'c', flags: ACK, rel: 9, data: 'payload HTTP' },
  { from: 'c', flags: ACK, rel: 0, data: 'GET /evil' },
  { from: 'c', flags: ACK, rel: 0, data: 'GET /evil' },
  { from: 's', flags: ACK, ackRel: 21 },
  { from: 'c', flags: ACK | FIN, rel: 21 },
  { from: 's', flags: ACK | FIN, ackRel: 22 },
  { from: 'c', flags: ACK, rel: 22, ackRel: 1 },
];

describe('replay with stream reassembly', () => {
  const pcap = path.join(dir, 'split.pcap');
  writeFileSync(pcap, buildPcap(segs.map((s, i) => ({ data: frame(s, true), tsSec: 1_700_000_000 + i })), { linktype: 1, snaplen: 65535 }));
  const rules = path.join(dir, 'r.rules');
  writeFileSync(rules, 'alert tcp any any -> any any (msg:"split"; content:"evilpayload"; sid:1;)\n');

  it('alerts once, on the packet that completes the session (pcap_cnt 10), and counts', () => {
    const eve = path.join(dir, 'eve.json');
    const r = runCli(['replay', pcap, '--rules', rules, '--eve', eve, '--json', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const alerts = readFileSync(eve, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"event_type":"alert"'))
      .map((l) => JSON.parse(l) as { pcap_cnt: number; alert: { signature_id: number }; tunnel?: { vni: number } });
    expect(alerts.map((a) => [a.alert.signature_id, a.pcap_cnt])).toEqual([[1, 10]]);
    expect(alerts[0]!.tunnel?.vni).toBe(7);
    const s = JSON.parse(r.stdout) as { stream: Record<string, number> };
    expect(s.stream['tcp.sessions']).toBe(1);
    expect(s.stream['tcp.overlap']).toBe(1);
    expect(s.stream['tcp.reassembly_gap']).toBe(0);
  });

  it('--no-stream: each packet alone, the split content is missed', () => {
    const r = runCli(['replay', pcap, '--rules', rules, '--no-stream', '--json', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { alerts: { total: number }; stream?: unknown };
    expect(s.alerts.total).toBe(0);
    expect(s.stream).toBeUndefined();
  });
});
