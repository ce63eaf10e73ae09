import { describe, expect, it } from 'vitest';
import { PacketView, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../src/decode/packet-view.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { FlowLogAggregator } from '../../src/output/flow-log-aggregator.js';
import { DEFAULT_LOG_FORMAT, formatFlowLogRecord, parseLogFormat, awsTcpFlags, type FlowLogRecord } from '../../src/output/flow-log-record.js';
import type { SessionInfo } from '../../src/session/session-directory.js';
import { fill, reply, type PktSpec } from '../flow/make-packet.js';

const SESSIONS: SessionInfo[] = [
  { name: 'web', vni: 100, eniId: 'eni-0aaa', accountId: '123456789012', vpcId: 'vpc-1', subnetId: 'subnet-1', instanceId: 'i-1', region: 'eu-west-1', azId: 'euw1-az1' },
  { name: 'db', vni: 200, eniId: 'eni-0bbb', accountId: '123456789012', region: 'eu-west-1' },
];

function setup(opts: { agg?: number; drops?: () => number; timeouts?: Record<string, number> } = {}) {
  const table = new FlowTable({ maxFlows: 64, sessionCount: 2, timeouts: opts.timeouts });
  const records: FlowLogRecord[] = [];
  const agg = new FlowLogAggregator({
    table,
    sessions: SESSIONS,
    aggregationSec: opts.agg ?? 60,
    onRecord: (r) => records.push(r),
    getDrops: opts.drops,
  });
  const p = new PacketView();
  const send = (s: PktSpec) => {
    fill(p, s);
    table.expire(p.tsSec);
    table.update(p);
    agg.write(p);
  };
  const fmt = parseLogFormat(DEFAULT_LOG_FORMAT);
  const lines = () => records.map((r) => formatFlowLogRecord(r, fmt));
  return { table, agg, records, send, lines, p };
}

// Client 10.0.0.1 (remote) talks to the ENI's host 10.0.0.2: client→server packets are ingress.
const C: PktSpec = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 22, ts: 1000, session: 0, vni: 100, dir: 1 };
const S = (over: Partial<PktSpec>) => reply(C, { dir: 2, ...over });

describe('FlowLogAggregator', () => {
  it('writes one record per direction with AWS tcp-flags semantics (SYN+ACK = 18)', () => {
    const { send, agg, table, lines, records } = setup();
    send({ ...C, flags: TCP_SYN, len: 60, ts: 1000 });
    send(S({ flags: TCP_SYN | TCP_ACK, len: 60, ts: 1000 }));
    send({ ...C, flags: TCP_ACK, len: 52, ts: 1001 });
    send({ ...C, flags: TCP_ACK | TCP_PSH, len: 152, ts: 1002 });
    send(S({ flags: TCP_ACK, len: 52, ts: 1003 }));
    send({ ...C, flags: TCP_ACK | TCP_FIN, len: 52, ts: 1005 });
    send(S({ flags: TCP_ACK | TCP_FIN, len: 52, ts: 1006 }));
    expect(records).toEqual([]);
    table.flush();
    agg.close();
    expect(lines()).toEqual([
      '2 123456789012 eni-0aaa 10.0.0.1 10.0.0.2 40000 22 6 4 316 1000 1005 ACCEPT OK',
      '2 123456789012 eni-0aaa 10.0.0.2 10.0.0.1 22 40000 6 3 164 1000 1006 ACCEPT OK',
      // The db session saw nothing in the interval.
      '2 123456789012 eni-0bbb - - - - - - - 960 1019 - NODATA',
    ]);
    expect(records[0]!.tcpFlags).toBe(3);
    expect(records[1]!.tcpFlags).toBe(19);
    expect(records[0]!.flowDirection).toBe('ingress');
    expect(records[1]!.flowDirection).toBe('egress');
    const v5 = parseLogFormat('${version} ${interface-id} ${tcp-flags} ${flow-direction} ${type} ${vpc-id} ${az-id} ${pkt-srcaddr} ${traffic-path}');
    expect(formatFlowLogRecord(records[1]!, v5)).toBe('5 eni-0aaa 19 egress IPv4 vpc-1 euw1-az1 10.0.0.2 -');
  });

  it('awsTcpFlags: ACK or PSH alone log 0', () => {
    expect(awsTcpFlags(TCP_ACK)).toBe(0);
    expect(awsTcpFlags(TCP_ACK | TCP_PSH)).toBe(0);
    expect(awsTcpFlags(TCP_SYN)).toBe(2);
    expect(awsTcpFlags(TCP_SYN | TCP_ACK)).toBe(18);
    expect(awsTcpFlags(TCP_FIN | TCP_ACK)).toBe(1);
    expect(awsTcpFlags(0x04 | TCP_ACK)).toBe(4);
  });

  it('splits a flow at interval boundaries aligned on packet time', () => {
    const { send, agg, table, lines } = setup({ timeouts: { udpNew: 1000, udpEstablished: 1000 } });
    const U: PktSpec = { ...C, proto: 'udp', sport: 5000, dport: 53, len: 100 };
    send({ ...U, ts: 1010 });
    send({ ...U, ts: 1019 });
    send({ ...U, ts: 1020 }); // next interval: 1020..1079 — closes 960..1019
    expect(lines()).toEqual([
      '2 123456789012 eni-0aaa 10.0.0.1 10.0.0.2 5000 53 17 2 200 1010 1019 ACCEPT OK',
      '2 123456789012 eni-0bbb - - - - - - - 960 1019 - NODATA',
    ]);
    send({ ...U, ts: 1200 }); // skips 1080..1139 and 1140..1199 entirely
    table.flush();
    agg.close();
    expect(lines().slice(2)).toEqual([
      '2 123456789012 eni-0aaa 10.0.0.1 10.0.0.2 5000 53 17 1 100 1020 1020 ACCEPT OK',
      '2 123456789012 eni-0bbb - - - - - - - 1020 1079 - NODATA',
      '2 123456789012 eni-0aaa - - - - - - - 1080 1139 - NODATA',
      '2 123456789012 eni-0bbb - - - - - - - 1080 1139 - NODATA',
      '2 123456789012 eni-0aaa - - - - - - - 1140 1199 - NODATA',
      '2 123456789012 eni-0bbb - - - - - - - 1140 1199 - NODATA',
      '2 123456789012 eni-0aaa 10.0.0.1 10.0.0.2 5000 53 17 1 100 1200 1200 ACCEPT OK',
      '2 123456789012 eni-0bbb - - - - - - - 1200 1259 - NODATA',
    ]);
    expect(agg.recordsEmitted).toBe(10);
  });

  it('NODATA is per network interface: sessions mirroring one ENI give one record, none when any saw traffic', () => {
    // One session per direction on eni-0aaa (AWS allows that), and eni-0bbb alone.
    const sessions: SessionInfo[] = [
      { ...SESSIONS[0]!, name: 'web-in', vni: 100 },
      { ...SESSIONS[0]!, name: 'web-out', vni: 101 },
      SESSIONS[1]!,
    ];
    const table = new FlowTable({ maxFlows: 64, sessionCount: 3 });
    const records: FlowLogRecord[] = [];
    const agg = new FlowLogAggregator({ table, sessions, aggregationSec: 60, onRecord: (r) => records.push(r) });
    const p = new PacketView();
    const send = (s: PktSpec) => {
      fill(p, s);
      table.update(p);
      agg.write(p);
    };
    send({ ...C, proto: 'udp', ts: 1000, session: 0, vni: 100 });
    send({ ...C, proto: 'udp', ts: 1090, session: 0, vni: 100 }); // closes 960..1019
    table.flush();
    agg.close();
    const fmt = parseLogFormat(DEFAULT_LOG_FORMAT);
    expect(records.filter((r) => r.logStatus === 'NODATA').map((r) => formatFlowLogRecord(r, fmt))).toEqual([
      // 960..1019: web-in had traffic, so eni-0aaa had traffic; web-out gives no NODATA.
      '2 123456789012 eni-0bbb - - - - - - - 960 1019 - NODATA',
      // 1020..1079 skipped by packet time: every interface idle, once each.
      '2 123456789012 eni-0aaa - - - - - - - 1020 1079 - NODATA',
      '2 123456789012 eni-0bbb - - - - - - - 1020 1079 - NODATA',
      '2 123456789012 eni-0bbb - - - - - - - 1080 1139 - NODATA',
    ]);
  });

  it('serve: the first tick starts the clock, so idle sessions get NODATA before any packet', () => {
    const { agg, lines } = setup();
    agg.tick(1005);
    agg.tick(1015); // the same interval (960..1019): nothing yet
    expect(lines()).toEqual([]);
    agg.tick(1081); // 1080..1139: closes 960..1019 and the skipped 1020..1079
    expect(lines()).toEqual([
      '2 123456789012 eni-0aaa - - - - - - - 960 1019 - NODATA',
      '2 123456789012 eni-0bbb - - - - - - - 960 1019 - NODATA',
      '2 123456789012 eni-0aaa - - - - - - - 1020 1079 - NODATA',
      '2 123456789012 eni-0bbb - - - - - - - 1020 1079 - NODATA',
    ]);
  });

  it('uses 600 s intervals by default alignment', () => {
    const table = new FlowTable({ maxFlows: 8 });
    const recs: FlowLogRecord[] = [];
    const agg = new FlowLogAggregator({ table, onRecord: (r) => recs.push(r) });
    const p = new PacketView();
    for (const ts of [1799, 1800]) {
      fill(p, { ...C, proto: 'udp', ts });
      table.update(p);
      agg.write(p);
    }
    agg.close();
    expect(recs.map((r) => [r.start, r.end, r.packets, r.interfaceId])).toEqual([
      [1799, 1799, 1, null],
      [1800, 1800, 1, null],
    ]);
  });

  it('writes records of a flow as soon as it ends (before its slot is reused)', () => {
    const { send, table, records } = setup();
    send({ ...C, flags: TCP_SYN, ts: 1000 });
    send({ ...C, flags: TCP_SYN, ts: 1001, sport: 40001 });
    table.expire(1040); // tcp new timeout 30 s
    expect(records.map((r) => [r.srcport, r.packets])).toEqual([
      [40000, 1],
      [40001, 1],
    ]);
  });

  it('writes SKIPDATA for each session when packets were lost in the interval', () => {
    let drops = 0;
    const { send, agg, table, lines } = setup({ drops: () => drops });
    send({ ...C, proto: 'udp', ts: 1000 });
    drops = 5;
    send({ ...C, proto: 'udp', ts: 1001 });
    send({ ...C, proto: 'udp', ts: 1030 }); // next interval, no new drops
    table.flush();
    agg.close();
    expect(lines()).toEqual([
      '2 123456789012 eni-0aaa 10.0.0.1 10.0.0.2 40000 22 17 2 120 1000 1001 ACCEPT OK',
      '2 123456789012 eni-0aaa - - - - - - - 960 1019 - SKIPDATA',
      '2 123456789012 eni-0bbb - - - - - - - 960 1019 - SKIPDATA',
      '2 123456789012 eni-0bbb - - - - - - - 960 1019 - NODATA',
      '2 123456789012 eni-0aaa 10.0.0.1 10.0.0.2 40000 22 17 1 60 1030 1030 ACCEPT OK',
      '2 123456789012 eni-0bbb - - - - - - - 1020 1079 - NODATA',
    ]);
  });

  it('keeps sessions apart, formats IPv6 and ICMP (ports 0 0)', () => {
    const { send, agg, table, records } = setup();
    const ping: PktSpec = { src: '2001:db8::1', dst: '2001:db8::20', proto: 'icmp', icmpType: 128, icmpId: 9, ts: 1000, session: 1, vni: 200, dir: 2, len: 104 };
    send(ping);
    send(reply(ping, { icmpType: 129, dir: 1 }));
    table.flush();
    agg.close();
    const fmt = parseLogFormat('${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${type} ${flow-direction} ${tcp-flags} ${log-status}');
    expect(records.map((r) => formatFlowLogRecord(r, fmt))).toEqual([
      'eni-0bbb 2001:db8::1 2001:db8::20 0 0 58 1 104 IPv6 egress 0 OK',
      'eni-0bbb 2001:db8::20 2001:db8::1 0 0 58 1 104 IPv6 ingress 0 OK',
      'eni-0aaa - - - - - - - - - - NODATA',
    ]);
  });

  it('takes the record version from the highest-version field in the format', () => {
    expect(parseLogFormat(DEFAULT_LOG_FORMAT).version).toBe(2);
    expect(parseLogFormat('${version} ${vpc-id} ${srcaddr}').version).toBe(3);
    expect(parseLogFormat('${version} ${az-id}').version).toBe(4);
    expect(parseLogFormat('${version} ${flow-direction} ${srcaddr}').version).toBe(5);
    expect(parseLogFormat('${version} ${ecs-task-id}').version).toBe(7);
    expect(parseLogFormat('${reject-reason} ${version}').version).toBe(8);
    expect(parseLogFormat('${version} ${vpc-id}').header).toBe('version vpc-id');
    expect(() => parseLogFormat('${version} ${nope}')).toThrow(/unknown field 'nope'/);
  });
});
