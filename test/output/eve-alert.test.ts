import { describe, expect, it } from 'vitest';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { EveAlertSink, formatEveAlert } from '../../src/output/eve-alert.js';
import { FastLogSink, formatFastLogLine } from '../../src/output/fast-log.js';
import { MemoryLineWriter } from '../../src/output/eve-writer.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { A, P, S, decoded, frame, vxlan } from '../detect/helpers.js';

process.env.TZ = 'UTC';

function replay(rules: string, frames: Array<{ f: Uint8Array; ts: number }>) {
  const rs = loadRulesText(rules);
  expect(rs.failures).toEqual([]);
  const ft = new FlowTable({ hashSeed: 7 });
  const eve = new MemoryLineWriter();
  const fast = new MemoryLineWriter();
  const eng = new DetectEngine(rs, ft, [new EveAlertSink(eve, { flow: ft, sessionName: (i) => ['eni-a'][i] }), new FastLogSink(fast)]);
  const pl = new Pipeline({ flow: ft, detect: eng });
  for (const { f, ts } of frames) pl.onFrame(f, 0, f.length, f.length, 1, Math.floor(ts), Math.round((ts % 1) * 1e9));
  return { eve: eve.lines, fast: fast.lines, ft, pl };
}

describe('EVE alert records', () => {
  it('Suricata field order, tuple, flow object, tunnel with vni; exact text', () => {
    const c = { src: '198.51.100.23', dst: '10.0.1.10', sport: 50000, dport: 22 };
    const s = { src: '10.0.1.10', dst: '198.51.100.23', sport: 22, dport: 50000 };
    const frames = [
      { f: vxlan(frame({ proto: 'tcp', ...c, flags: S }), { vni: 101 }), ts: 1793610000.5 },
      { f: vxlan(frame({ proto: 'tcp', ...s, flags: S | A }), { vni: 101 }), ts: 1793610000.501 },
      { f: vxlan(frame({ proto: 'tcp', ...c, flags: A }), { vni: 101 }), ts: 1793610000.502 },
      { f: vxlan(frame({ proto: 'tcp', ...s, flags: P | A, payload: 'SSH-2.0-OpenSSH_9.2' }), { vni: 101 }), ts: 1793610000.503 },
    ];
    const { eve, fast, ft } = replay(
      'alert tcp any 22 -> any any (msg:"SSH \\"banner\\""; flow:to_client,established; content:"SSH-"; depth:4; classtype:protocol-command-decode; metadata:created_at 2026_11_02, team blue; sid:9; rev:2;)',
      frames,
    );
    expect(eve).toHaveLength(1);
    const flowId = ft.flowId(0);
    expect(eve[0]).toBe(
      `{"timestamp":"2026-11-02T09:00:00.503000+0000","flow_id":${flowId},"pcap_cnt":4,"event_type":"alert",` +
        `"src_ip":"10.0.1.10","src_port":22,"dest_ip":"198.51.100.23","dest_port":50000,"proto":"TCP","ip_v":4,"pkt_src":"wire/pcap",` +
        `"alert":{"action":"allowed","gid":1,"signature_id":9,"rev":2,"signature":"SSH \\"banner\\"","category":"Generic Protocol Command Decode","severity":3,` +
        `"metadata":{"created_at":["2026_11_02"],"team":["blue"]}},` +
        `"tunnel":{"src_ip":"10.0.1.10","src_port":65000,"dest_ip":"10.0.100.5","dest_port":4789,"proto":"UDP","depth":1,"pcap_cnt":4,"pkt_src":"wire/pcap","vni":101},` +
        `"direction":"to_client",` +
        `"flow":{"pkts_toserver":2,"pkts_toclient":2,"bytes_toserver":80,"bytes_toclient":99,"start":"2026-11-02T09:00:00.500000+0000","src_ip":"198.51.100.23","dest_ip":"10.0.1.10","src_port":50000,"dest_port":22}}`,
    );
    expect(JSON.parse(eve[0]!).alert.signature).toBe('SSH "banner"');
    expect(fast[0]).toBe('11/02/2026-09:00:00.503000  [**] [1:9:2] SSH "banner" [**] [Classification: Generic Protocol Command Decode] [Priority: 3] {TCP} 10.0.1.10:22 -> 198.51.100.23:50000');
  });

  it('ICMP: type/code instead of ports; IPv6 addresses in full; no flow without a flow table', () => {
    const rs = loadRulesText('alert icmp any any -> any any (msg:"ping"; itype:128; sid:1;)');
    const p = decoded({ proto: 'icmp', src: '2001:db8:1::10', dst: '2001:db8:ff::7', type: 128, code: 0 }, 1793610000.25);
    const line = formatEveAlert(p, rs.rules[0]!);
    expect(line).toBe(
      '{"timestamp":"2026-11-02T09:00:00.250000+0000","pcap_cnt":1,"event_type":"alert","src_ip":"2001:0db8:0001:0000:0000:0000:0000:0010","dest_ip":"2001:0db8:00ff:0000:0000:0000:0000:0007","proto":"IPv6-ICMP","ip_v":6,"icmp_type":128,"icmp_code":0,"pkt_src":"wire/pcap",' +
        '"alert":{"action":"allowed","gid":1,"signature_id":1,"rev":0,"signature":"ping","category":"","severity":3}}',
    );
    expect(formatFastLogLine(p, rs.rules[0]!)).toBe('11/02/2026-09:00:00.250000  [**] [1:1:0] ping [**] [Classification: (null)] [Priority: 3] {IPv6-ICMP} 2001:0db8:0001:0000:0000:0000:0000:0010:128 -> 2001:0db8:00ff:0000:0000:0000:0000:0007:0');
  });

  it('drop and reject rules are logged as allowed (passive sink) and marked [wDrop] in fast.log', () => {
    const rs = loadRulesText('drop tcp any any -> any any (msg:"d"; sid:1;)\nreject tcp any any -> any any (msg:"r"; sid:2;)');
    const p = decoded({ proto: 'tcp', flags: S });
    for (const r of rs.rules) {
      expect(JSON.parse(formatEveAlert(p, r)).alert.action).toBe('allowed');
      expect(formatFastLogLine(p, r)).toContain(`[wDrop] [**] [1:${r.sid}:0]`);
    }
  });

  it('target keyword adds source/target objects', () => {
    const rs = loadRulesText('alert tcp any any -> any any (msg:"t"; target:dest_ip; sid:1;)\nalert tcp any any -> any any (msg:"t"; target:src_ip; sid:2;)');
    const p = decoded({ proto: 'tcp', src: '1.2.3.4', sport: 1111, dst: '5.6.7.8', dport: 80, flags: S });
    const a = JSON.parse(formatEveAlert(p, rs.bySid(1)!)).alert;
    expect([a.source, a.target]).toEqual([
      { ip: '1.2.3.4', port: 1111 },
      { ip: '5.6.7.8', port: 80 },
    ]);
    const b = JSON.parse(formatEveAlert(p, rs.bySid(2)!)).alert;
    expect([b.source, b.target]).toEqual([
      { ip: '5.6.7.8', port: 80 },
      { ip: '1.2.3.4', port: 1111 },
    ]);
  });
});
