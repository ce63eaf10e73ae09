import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../src/query/insights-parser.js';
import { runQuery } from '../../src/query/insights-eval.js';
import { parseFlowLogText } from '../../src/query/flow-log-reader.js';
import { formatJsonLines, formatTable } from '../../src/query/result-format.js';
import { Ts } from '../../src/query/insights-values.js';

// Records in the shape AWS documents (default format, S3 header line first).
const DEFAULT_FILE = `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
2 123456789010 eni-0123 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK
2 123456789010 eni-0123 172.31.16.21 172.31.16.139 22 20641 6 18 5230 1418530010 1418530070 ACCEPT OK
2 123456789010 eni-0123 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK
2 123456789010 eni-0123 10.0.1.5 10.0.0.220 51002 443 6 10 840 1418530100 1418530160 ACCEPT OK
2 123456789010 eni-0456 203.0.113.12 10.0.0.220 0 0 1 4 336 1432917027 1432917142 ACCEPT OK
2 123456789010 eni-0456 - - - - - - - 1431280876 1431280934 - NODATA
2 123456789010 eni-0123 10.0.0.7 10.0.5.9 33412 80 6 3 180 1418530200 1418530210 REJECT OK
`;

const CUSTOM_FILE = `version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status flow-direction
5 vpc-abc subnet-1 i-01 eni-0123 123456789010 IPv4 198.51.100.7 10.0.0.5 51000 443 198.51.100.7 10.0.0.5 6 5000 10 1700000000 1700000059 ACCEPT 3 OK ingress
5 vpc-abc subnet-1 i-01 eni-0123 123456789010 IPv4 10.0.0.5 198.51.100.7 443 51000 10.0.0.5 198.51.100.7 6 90000 70 1700000000 1700000059 ACCEPT 19 OK egress
5 vpc-abc subnet-1 i-01 eni-0123 123456789010 IPv4 198.51.100.8 10.0.0.5 51001 22 198.51.100.8 10.0.0.5 6 60 1 1700000301 1700000301 ACCEPT 2 OK ingress
5 vpc-def subnet-2 i-02 eni-0456 123456789010 IPv6 2001:db8::5 2001:db8:1::9 40000 53 2001:db8::5 2001:db8:1::9 17 120 2 1700000310 1700000320 ACCEPT 0 OK egress
`;

const rows = () => parseFlowLogText(DEFAULT_FILE, 'default.log');
const q = (text: string, r = rows()) => runQuery(parseQuery(text), r);

describe('flow-log reader', () => {
  it('reads the header, numbers and missing values', () => {
    const r = rows();
    expect(r.length).toBe(7);
    expect(r[0]).toMatchObject({ version: 2, accountId: '123456789010', interfaceId: 'eni-0123', srcAddr: '172.31.16.139', srcPort: 20641, dstPort: 22, protocol: 6, packets: 20, bytes: 4249, start: 1418530010, end: 1418530070, action: 'ACCEPT', logStatus: 'OK' });
    expect(r[5]).toMatchObject({ srcAddr: null, packets: null, action: null, logStatus: 'NODATA' });
    expect(r[0]!['@timestamp']).toEqual(new Ts(1418530010000));
  });

  it('reads files without a header as the default format and counts malformed lines', () => {
    const stats = { files: 0, lines: 0, records: 0, malformed: 0 };
    const r = parseFlowLogText(DEFAULT_FILE.split('\n').slice(1).join('\n') + 'garbage line\n', 'x', stats);
    expect(r.length).toBe(7);
    expect(stats.malformed).toBe(1);
  });

  it('reads custom formats with camelCased names', () => {
    const r = parseFlowLogText(CUSTOM_FILE);
    expect(r[0]).toMatchObject({ vpcId: 'vpc-abc', subnetId: 'subnet-1', instanceId: 'i-01', type: 'IPv4', pktSrcAddr: '198.51.100.7', tcpFlags: 3, flowDirection: 'ingress', bytes: 5000 });
  });
});

describe('Logs Insights queries (the documented flow-log examples run verbatim)', () => {
  it('stats sum by two fields, sort desc, limit', () => {
    const res = q('stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred desc | limit 15');
    expect(res.columns).toEqual(['srcAddr', 'dstAddr', 'packetsTransferred']);
    expect(res.rows.map((r) => [r.srcAddr, r.dstAddr, r.packetsTransferred])).toEqual([
      ['172.31.16.139', '172.31.16.21', 20],
      ['172.31.9.69', '172.31.9.12', 20],
      ['172.31.16.21', '172.31.16.139', 18],
      ['10.0.1.5', '10.0.0.220', 10],
      ['203.0.113.12', '10.0.0.220', 4],
      ['10.0.0.7', '10.0.5.9', 3],
      [null, null, null],
    ]);
  });

  it('fields + filter with and + sort @timestamp desc', () => {
    const res = q("fields @timestamp, interfaceId, srcAddr, dstAddr, action | filter interfaceId = 'eni-0123' and action = 'REJECT' | sort @timestamp desc");
    expect(res.columns).toEqual(['@timestamp', 'interfaceId', 'srcAddr', 'dstAddr', 'action']);
    expect(formatJsonLines(res)).toBe(
      '{"@timestamp":"2014-12-14 04:10:00.000","interfaceId":"eni-0123","srcAddr":"10.0.0.7","dstAddr":"10.0.5.9","action":"REJECT"}\n' +
        '{"@timestamp":"2014-12-14 04:06:50.000","interfaceId":"eni-0123","srcAddr":"172.31.9.69","dstAddr":"172.31.9.12","action":"REJECT"}\n',
    );
  });

  it('isIpInSubnet + stats count(*) by', () => {
    const res = q('filter isIpInSubnet(dstAddr, "10.0.0.0/16") | stats count(*) by srcAddr');
    expect(res.columns).toEqual(['srcAddr', 'count(*)']);
    expect(res.rows).toEqual([
      { srcAddr: '10.0.1.5', 'count(*)': 1 },
      { srcAddr: '203.0.113.12', 'count(*)': 1 },
      { srcAddr: '10.0.0.7', 'count(*)': 1 },
    ]);
  });

  it('in [..] + count(*) as', () => {
    const res = q('filter dstPort in [22, 25, 80, 443] | stats count(*) as records by dstPort');
    expect(res.rows).toEqual([
      { dstPort: 22, records: 1 },
      { dstPort: 443, records: 1 },
      { dstPort: 80, records: 1 },
    ]);
    expect(formatTable(res)).toBe('dstPort  records\n-------  -------\n22       1\n443      1\n80       1\n');
  });
});

describe('Logs Insights language', () => {
  it('comparisons, or/not, !=, like with strings and regexes', () => {
    const n = (text: string) => q(`${text} | stats count(*) as n`).rows[0]!.n;
    expect(n('filter packets >= 18')).toBe(3);
    expect(n('filter packets > 18 or protocol = 1')).toBe(3);
    expect(n('filter not (action = "ACCEPT")')).toBe(3); // 2 REJECT + the NODATA row
    expect(n("filter action != 'ACCEPT'")).toBe(3);
    expect(n("filter srcAddr like '172.31.'")).toBe(3);
    expect(n('filter srcAddr like /^10\\.0\\./')).toBe(2);
    // A missing value (the NODATA row) is 'not like' anything, as it is '!=' anything.
    expect(n('filter srcAddr not like /^10\\./')).toBe(5);
    expect(n('filter srcAddr =~ /\\.69$/')).toBe(1);
    expect(n('filter dstPort not in [22, 443]')).toBe(5);
    expect(n('filter bytes / packets > 200')).toBe(3);
    expect(n("filter logStatus = 'NODATA' and isempty(srcAddr)")).toBe(1);
    expect(n('filter isIpv4InSubnet(srcAddr, "172.31.0.0/20")')).toBe(1);
    expect(n('filter isIpInSubnet(srcAddr, "172.31.0.0/16")')).toBe(3);
    expect(n('filter ispresent(srcPort)')).toBe(6);
    expect(n('filter startTime < 1418530100')).toBe(3);
  });

  it('aggregates', () => {
    const res = q(
      'filter logStatus = "OK" | stats count(*) as n, count_distinct(interfaceId) as enis, sum(bytes) as b, avg(packets) as ap, min(srcPort) as lo, max(dstAddr) as hi, pct(bytes, 50) as p50, pct(bytes, 90) as p90',
    );
    expect(res.rows).toEqual([{ n: 6, enis: 2, b: 4249 + 5230 + 4249 + 840 + 336 + 180, ap: (20 + 18 + 20 + 10 + 4 + 3) / 6, lo: 0, hi: '172.31.9.12', p50: 840, p90: 5230 }]);
  });

  it('stats by bin(5m) over custom-format fields, and earliest/latest', () => {
    const r = parseFlowLogText(CUSTOM_FILE);
    const res = runQuery(parseQuery('stats sum(bytes) as bytes, latest(srcPort) as lastPort by bin(5m) as t | sort t asc'), r);
    expect(res.rows.map((x) => [String(x.t), x.bytes, x.lastPort])).toEqual([
      ['2023-11-14 22:10:00.000', 95000, 51000],
      ['2023-11-14 22:15:00.000', 180, 40000],
    ]);
    const byDir = runQuery(parseQuery("filter tcpFlags = 2 and flowDirection = 'ingress' | stats count(*) by pktSrcAddr, vpcId"), r);
    expect(byDir.rows).toEqual([{ pktSrcAddr: '198.51.100.8', vpcId: 'vpc-abc', 'count(*)': 1 }]);
    const v6 = runQuery(parseQuery('filter isIpInSubnet(pktDstAddr, "2001:db8:1::/48") | fields srcAddr, type'), r);
    expect(v6.rows).toEqual([{ srcAddr: '2001:db8::5', type: 'IPv6' }]);
  });

  it('sorts naturally: text before numbers, digit runs by value; missing last', () => {
    const res = q('fields interfaceId, srcAddr | sort srcAddr asc');
    expect(res.rows.map((r) => r.srcAddr)).toEqual(['10.0.0.7', '10.0.1.5', '172.31.9.69', '172.31.16.21', '172.31.16.139', '203.0.113.12', null]);
    const res2 = q('sort packets desc, srcPort asc | display srcPort, packets');
    expect(res2.rows.map((r) => r.packets)).toEqual([20, 20, 18, 10, 4, 3, null]);
    expect(res2.rows[0]!.srcPort).toBe(20641);
  });

  it('default columns are @timestamp and @message; limit and dedup', () => {
    const res = q('filter action = "REJECT" | limit 1');
    expect(res.columns).toEqual(['@timestamp', '@message']);
    expect(res.rows[0]!['@message']).toBe('2 123456789010 eni-0123 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK');
    expect(q('dedup interfaceId | display interfaceId').rows).toEqual([{ interfaceId: 'eni-0123' }, { interfaceId: 'eni-0456' }]);
  });

  it('computed fields and comments', () => {
    const res = q('# bytes per packet\nfields srcAddr, bytes / packets as bpp | filter bpp > 200 | sort bpp desc | limit 2');
    expect(res.columns).toEqual(['srcAddr', 'bpp']);
    expect(res.rows.map((r) => r.srcAddr)).toEqual(['172.31.16.21', '172.31.16.139']);
  });

  it('reports errors with their position', () => {
    expect(() => parseQuery('stats sum(packets) by')).toThrow(/column/);
    expect(() => parseQuery('filter a = ')).toThrow(/unexpected end/);
    expect(() => parseQuery('frobnicate x')).toThrow(/unknown command 'frobnicate'/);
    expect(() => runQuery(parseQuery('stats packets'), [])).toThrow(/aggregate/);
    expect(() => runQuery(parseQuery('filter sum(packets) > 1'), [])).toThrow(/aggregate/);
    expect(() => runQuery(parseQuery('fields nope(1)'), [])).toThrow(/unknown function/);
    expect(() => parseQuery("filter srcAddr like 'x")).toThrow(/unterminated string/);
  });
});
