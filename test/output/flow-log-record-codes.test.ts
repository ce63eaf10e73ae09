import { describe, expect, it } from 'vitest';
import { FLOW_LOG_FIELDS, parseLogFormat, formatFlowLogRecord, type FlowLogRecord } from '../../src/output/flow-log-record.js';

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
});
