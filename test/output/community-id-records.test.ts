/**
 * community_id in the records: EVE alerts (the flow's, both directions, or the packet's own
 * without a flow), EVE flow events, the flow logs' ${community-id} extension read back by the
 * query reader, and the configuration keys (eve.community_id, eve.community_id_seed).
 */
import { eveSchemaValidator } from '../helpers/eve-schema.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import { PacketView, TCP_ACK, TCP_FIN, TCP_SYN } from '../../src/decode/packet-view.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { EveAlertSink, formatEveAlert } from '../../src/output/eve-alert.js';
import { EveFlowWriter } from '../../src/output/eve-flow.js';
import { MemoryLineWriter } from '../../src/output/eve-writer.js';
import { FlowLogAggregator } from '../../src/output/flow-log-aggregator.js';
import { formatFlowLogRecord, parseLogFormat, type FlowLogRecord } from '../../src/output/flow-log-record.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { parseFlowLogText } from '../../src/query/flow-log-reader.js';
import { A, P, S, decoded, frame, vxlan } from '../detect/helpers.js';
import { fill, reply, type PktSpec } from '../flow/make-packet.js';
import { tmpDir, writeConfig } from '../server/harness.js';

process.env.TZ = 'UTC';

// The spec's vectors (baseline_deflt.json / baseline_seed1.json) for this TCP tuple.
const TCP_SEED0 = '1:LQU9qZlK+B5F3KDmev6m5PMibrg=';
const TCP_SEED1 = '1:3V71V58M3Ksw/yuFALMcW0LAHvc=';
const C = { src: '128.232.110.120', dst: '66.35.250.204', sport: 34855, dport: 80 };
const Srv = { src: '66.35.250.204', dst: '128.232.110.120', sport: 80, dport: 34855 };
// Records of the tests below, checked against the EVE schema at the end.
const written: string[] = [];

describe('community_id in EVE and flow-log records', () => {
  it('EVE alerts carry the flow\'s Community ID after pkt_src, in both directions', () => {
    const rs = loadRulesText('alert tcp any any -> any any (msg:"any tcp"; sid:1;)');
    const ft = new FlowTable({ hashSeed: 7 });
    const eve = new MemoryLineWriter();
    const eng = new DetectEngine(rs, ft, [new EveAlertSink(eve, { flow: ft, communityIdSeed: 0 })]);
    const pl = new Pipeline({ flow: ft, detect: eng });
    const frames = [frame({ proto: 'tcp', ...C, flags: S }), frame({ proto: 'tcp', ...Srv, flags: S | A }), frame({ proto: 'tcp', ...C, flags: P | A, payload: 'x' })].map((f) => vxlan(f, { vni: 101 }));
    frames.forEach((f, i) => pl.onFrame(f, 0, f.length, f.length, 1, 1793610000 + i, 0));
    expect(eve.lines).toHaveLength(3);
    for (const l of eve.lines) {
      expect(l).toContain(`"pkt_src":"wire/pcap","community_id":"${TCP_SEED0}","alert":`);
      expect(JSON.parse(l).community_id).toBe(TCP_SEED0);
    }
    written.push(...eve.lines);
  });

  it('without a flow table the packet\'s own tuple; without the option no community_id', () => {
    const rs = loadRulesText('alert icmp any any -> any any (msg:"ping"; sid:1;)');
    const p = decoded({ proto: 'icmp', src: '192.168.0.89', dst: '192.168.0.1', type: 8, code: 0 }, 1793610000.25);
    expect(JSON.parse(formatEveAlert(p, rs.rules[0]!, { communityIdSeed: 0 })).community_id).toBe('1:X0snYXpgwiv9TZtqg64sgzUn6Dk=');
    expect(JSON.parse(formatEveAlert(p, rs.rules[0]!, { communityIdSeed: 1 })).community_id).toBe('1:03g6IloqVBdcZlPyX8r0hgoE7kA=');
    expect(formatEveAlert(p, rs.rules[0]!)).not.toContain('community_id');
  });

  it('EVE flow events carry it before the flow object, with the configured seed', () => {
    const t = new FlowTable({ maxFlows: 16 });
    const lines: string[] = [];
    new EveFlowWriter(t, (l) => lines.push(l), { utc: true, communityIdSeed: 1 });
    const p = new PacketView();
    const spec: PktSpec = { ...C, ts: 1000, len: 60 };
    for (const s of [{ ...spec, flags: TCP_SYN }, reply(spec, { flags: TCP_SYN | TCP_ACK, ts: 1000.1 }), { ...spec, flags: TCP_ACK | TCP_FIN, ts: 1001 }]) t.update(fill(p, s));
    t.expire(1_000_000);
    expect(lines).toHaveLength(1);
    const ev = JSON.parse(lines[0]!);
    expect(ev.community_id).toBe(TCP_SEED1);
    const keys = Object.keys(ev);
    expect(keys.indexOf('community_id')).toBe(keys.indexOf('flow') - 1);
    written.push(...lines);
  });

  it('EVE records with community_id still pass the EVE schema', () => {
    const validate = eveSchemaValidator();
    if (validate === null) return;
    expect(written.length).toBe(4);
    for (const l of written) {
      // tunnel.vni/session are mirrorsink's documented additions (eve-alert.ts), not this test's subject.
      const r = JSON.parse(l);
      if (r.tunnel) delete r.tunnel;
      expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
    }
    // The schema does judge community_id (a string).
    expect(validate({ ...JSON.parse(written[0]!), community_id: 5 })).toBe(false);
  });

  it('flow logs: ${community-id} is written as text and read back as communityId', () => {
    const format = parseLogFormat('${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${community-id}');
    // The extension does not raise the version.
    expect(format.version).toBe(2);
    expect(format.header).toBe('version srcaddr dstaddr srcport dstport protocol packets community-id');
    const rec = (src: string, dst: string, sp: number, dp: number): FlowLogRecord => ({
      accountId: null, interfaceId: null, srcaddr: src, dstaddr: dst, srcport: sp, dstport: dp, protocol: 6, packets: 1, bytes: 60,
      start: 1, end: 2, action: 'ACCEPT', logStatus: 'OK', vpcId: null, subnetId: null, instanceId: null, tcpFlags: 2, type: 'IPv4',
      pktSrcaddr: src, pktDstaddr: dst, region: null, azId: null, flowDirection: null, session: null, communityId: TCP_SEED0,
    });
    const text = [format.header, formatFlowLogRecord(rec(C.src, C.dst, C.sport, C.dport), format), formatFlowLogRecord({ ...rec(C.src, C.dst, 1, 2), communityId: null }, format)].join('\n');
    const rows = parseFlowLogText(text);
    expect(rows[0]!.communityId).toBe(TCP_SEED0);
    expect(rows[1]!.communityId).toBeNull();
  });

  it('the aggregator fills communityId from the flow when asked, and leaves it null otherwise', () => {
    for (const seed of [0, null]) {
      const t = new FlowTable({ maxFlows: 16 });
      const recs: FlowLogRecord[] = [];
      const agg = new FlowLogAggregator({ table: t, aggregationSec: 60, noData: false, communityIdSeed: seed, onRecord: (r) => recs.push(r) });
      const p = new PacketView();
      const spec: PktSpec = { ...C, ts: 1000, len: 60 };
      for (const s of [{ ...spec, flags: TCP_SYN }, reply(spec, { flags: TCP_SYN | TCP_ACK, ts: 1000.1 })]) {
        t.update(fill(p, s));
        agg.write(p);
      }
      t.expire(1_000_000);
      expect(recs).toHaveLength(2);
      for (const r of recs) expect(r.communityId).toBe(seed === null ? null : TCP_SEED0);
    }
  });

  it('config: on by default with seed 0; community_id_seed is 0-65535, named by file, line and key', () => {
    const dir = tmpDir();
    const { config } = loadConfig({ file: writeConfig(dir, 'eve: out/eve.json\n'), env: {} });
    expect(config.eve.communityId).toBe(true);
    expect(config.eve.communityIdSeed).toBe(0);
    const off = loadConfig({ file: writeConfig(dir, 'eve:\n  path: out/eve.json\n  community_id: false\n  community_id_seed: 7\n'), env: {} }).config;
    expect(off.eve.communityId).toBe(false);
    expect(off.eve.communityIdSeed).toBe(7);
    const file = writeConfig(dir, 'eve:\n  path: out/eve.json\n  community_id_seed: 70000\n');
    let problems: string[] = [];
    try {
      loadConfig({ file, env: {} });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems = err.problems;
    }
    expect(problems.some((p) => p.startsWith(`${file}:3: eve.community_id_seed: must be an integer from 0 to 65535`)), problems.join('\n')).toBe(true);
  });
});
