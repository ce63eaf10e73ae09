import { describe, expect, it } from 'vitest';
import { PacketView, TCP_ACK, TCP_SYN, TCP_FIN } from '../../src/decode/packet-view.js';
import { DetectFlowState } from '../../src/detect/flow-state.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { EveFlowWriter, eveTimestamp } from '../../src/output/eve-flow.js';
import { fill, reply, type PktSpec } from '../flow/make-packet.js';

describe('EVE flow events', () => {
  it('formats timestamps as Suricata does', () => {
    expect(eveTimestamp(1491600277, 251547000, true)).toBe('2017-04-07T21:24:37.251547+0000');
    const local = eveTimestamp(1491600277, 251547000);
    expect(local).toMatch(/^2017-04-0[78]T\d\d:\d\d:37\.251547[+-]\d{4}$/);
  });

  it('writes one flow event per ended flow with Suricata field names', () => {
    const t = new FlowTable({ maxFlows: 16 });
    const lines: string[] = [];
    new EveFlowWriter(t, (l) => lines.push(l), { utc: true });
    const p = new PacketView();
    const C: PktSpec = { src: '192.168.2.14', dst: '209.53.113.5', sport: 50096, dport: 80, ts: 1491600277.25, len: 60 };
    for (const s of [
      { ...C, flags: TCP_SYN },
      reply(C, { flags: TCP_SYN | TCP_ACK, ts: 1491600277.3 }),
      { ...C, flags: TCP_ACK, ts: 1491600277.35, len: 52 },
      { ...C, flags: TCP_ACK | TCP_FIN, ts: 1491600280, len: 52 },
      reply(C, { flags: TCP_ACK | TCP_FIN, ts: 1491600280.5, len: 52 }),
    ]) {
      t.update(fill(p, s));
    }
    const detectState = new DetectFlowState(t.capacity);
    t.storage.register(detectState);
    detectState.alerted[p.flowIndex] = 1;
    const id = t.flowId(p.flowIndex);
    t.expire(1491600291); // closed timeout 10 s
    expect(lines.length).toBe(1);
    const ev = JSON.parse(lines[0]!);
    expect(ev).toEqual({
      timestamp: '2017-04-07T21:24:51.000000+0000',
      flow_id: id,
      event_type: 'flow',
      src_ip: '192.168.2.14',
      src_port: 50096,
      dest_ip: '209.53.113.5',
      dest_port: 80,
      proto: 'TCP',
      flow: {
        pkts_toserver: 3,
        pkts_toclient: 2,
        bytes_toserver: 164,
        bytes_toclient: 112,
        start: '2017-04-07T21:24:37.250000+0000',
        end: '2017-04-07T21:24:40.500000+0000',
        age: 3,
        state: 'closed',
        reason: 'timeout',
        alerted: true,
      },
      tcp: { tcp_flags: '13', tcp_flags_ts: '13', tcp_flags_tc: '13', fin: true, syn: true, ack: true, state: 'closed' },
    });
  });

  it('ICMP events carry type/code instead of ports; shutdown reason', () => {
    const t = new FlowTable({ maxFlows: 16 });
    const lines: string[] = [];
    new EveFlowWriter(t, (l) => lines.push(l), { utc: true });
    const p = new PacketView();
    t.update(fill(p, { src: '10.0.0.1', dst: '10.0.0.2', proto: 'icmp', icmpType: 8, icmpId: 3, ts: 100 }));
    t.flush();
    const ev = JSON.parse(lines[0]!);
    expect(ev.src_port).toBeUndefined();
    expect(ev).toMatchObject({ proto: 'ICMP', icmp_type: 8, icmp_code: 0, flow: { reason: 'shutdown', state: 'new', alerted: false } });
  });
});
