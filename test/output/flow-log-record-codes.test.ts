import { describe, expect, it } from 'vitest';
import { FLOW_LOG_FIELDS, parseLogFormat, formatFlowLogRecord, encodeFlowLogRecord, type FlowLogRecord } from '../../src/output/flow-log-record.js';

describe('flow-log field codes', () => {
  it('dispatch every field to the record value of its name', () => {
    FLOW_LOG_FIELDS.forEach((d, i) => expect(d.code).toBe(i));
    const rec: FlowLogRecord = {
      accountId: 'acct',
      interfaceId: 'eni',
      vpcId: 'vpc',
      subnetId: 'subnet',
      instanceId: 'i',
      region: 'reg',
      azId: 'az',
      session: 's',
      srcaddr: 'sa',
      dstaddr: 'da',
      srcport: 1,
      dstport: 2,
      protocol: 3,
      packets: 4,
      bytes: 5,
      start: 6,
      end: 7,
      action: 'ACCEPT',
      logStatus: 'OK',
      tcpFlags: 8,
      type: 'IPv4',
      pktSrcaddr: 'psa',
      pktDstaddr: 'pda',
      flowDirection: 'egress',
    };
    const format = parseLogFormat(FLOW_LOG_FIELDS.map((d) => `\${${d.name}}`).join(' '));
    const want: Record<string, string> = {
      version: '8',
      'account-id': 'acct',
      'interface-id': 'eni',
      srcaddr: 'sa',
      dstaddr: 'da',
      srcport: '1',
      dstport: '2',
      protocol: '3',
      packets: '4',
      bytes: '5',
      start: '6',
      end: '7',
      action: 'ACCEPT',
      'log-status': 'OK',
      'vpc-id': 'vpc',
      'subnet-id': 'subnet',
      'instance-id': 'i',
      'tcp-flags': '8',
      type: 'IPv4',
      'pkt-srcaddr': 'psa',
      'pkt-dstaddr': 'pda',
      region: 'reg',
      'az-id': 'az',
      'flow-direction': 'egress',
    };
    expect(formatFlowLogRecord(rec, format)).toBe(FLOW_LOG_FIELDS.map((d) => want[d.name] ?? '-').join(' '));
  });

  it('encodes records to exactly the bytes of their text plus a newline', () => {
    const all = parseLogFormat(FLOW_LOG_FIELDS.map((d) => `\${${d.name}}`).join(' '));
    const base: FlowLogRecord = {
      accountId: '123456789012',
      interfaceId: 'eni-0aaa',
      vpcId: null,
      subnetId: 'subnet-1',
      instanceId: null,
      region: 'eu-west-1',
      azId: null,
      session: 'web',
      srcaddr: '2001:db8::1',
      dstaddr: '10.0.0.2',
      srcport: 0,
      dstport: 65535,
      protocol: 6,
      packets: 9007199254740991,
      bytes: 1e21,
      start: 1700000000,
      end: 1700000599,
      action: 'ACCEPT',
      logStatus: 'OK',
      tcpFlags: 0,
      type: 'IPv6',
      pktSrcaddr: '2001:db8::1',
      pktDstaddr: '10.0.0.2',
      flowDirection: 'ingress',
    };
    const variants: FlowLogRecord[] = [
      base,
      { ...base, accountId: 'compte-été', interfaceId: 'eni-😀', bytes: -1, packets: 1.5, start: 0 },
      { ...base, srcaddr: null, dstaddr: null, srcport: null, dstport: null, protocol: null, packets: null, bytes: null, action: null, logStatus: 'NODATA', tcpFlags: null, type: null, flowDirection: null },
    ];
    const out = new Uint8Array(2048);
    for (const format of [all, parseLogFormat('${version} ${srcaddr} ${bytes}')]) {
      for (const rec of variants) {
        const n = encodeFlowLogRecord(rec, format, out);
        expect(Buffer.from(out.subarray(0, n)).toString('utf8')).toBe(formatFlowLogRecord(rec, format) + '\n');
      }
    }
    // Too small a buffer: -1 (the caller takes the string path), never a cut line.
    for (const size of [0, 10, 40, 120]) expect(encodeFlowLogRecord(variants[1]!, all, new Uint8Array(size))).toBe(-1);
  });
});
