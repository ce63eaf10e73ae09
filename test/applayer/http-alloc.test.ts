/**
 * The HTTP path per packet (stream → app layer → tx detection) allocates nothing in steady
 * state: many HTTP sessions through the real flow table (slots recycled by eviction), stream
 * stage, app layer and detection with `alert http` rules, then no young-generation GCs.
 */
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { AppLayer } from '../../src/applayer/app-layer.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRulesText } from '../../src/detect/rule-loader.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { TcpStreamStage } from '../../src/stream/stream-stage.js';
import { eth, ipv4, tcp } from '../decode/builders.js';

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;

function session(cport: number): Uint8Array[] {
  const req = Buffer.from(`GET /admin/x${cport} HTTP/1.1\r\nHost: example.com\r\nUser-Agent: probe\r\n\r\n`, 'latin1');
  const res = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: t\r\n\r\nhello', 'latin1');
  const f = (c: boolean, flags: number, seq: number, ack: number, data = new Uint8Array(0)) =>
    eth({ type: 0x0800 }, ipv4({ proto: 6, src: c ? '10.0.0.1' : '10.0.0.2', dst: c ? '10.0.0.2' : '10.0.0.1' }, tcp({ sport: c ? cport : 80, dport: c ? 80 : cport, seq, ack, flags }, data)));
  const C = 1000;
  const S = 5000;
  return [
    f(true, SYN, C, 0),
    f(false, SYN | ACK, S, C + 1),
    f(true, ACK, C + 1, S + 1),
    f(true, ACK, C + 1, S + 1, req),
    f(false, ACK, S + 1, C + 1 + req.length),
    f(false, ACK, S + 1, C + 1 + req.length, res),
    f(true, ACK, C + 1 + req.length, S + 1 + res.length),
    f(true, ACK | FIN, C + 1 + req.length, S + 1 + res.length),
    f(false, ACK | FIN, S + 1 + res.length, C + 2 + req.length),
    f(true, ACK, C + 2 + req.length, S + 2 + res.length),
  ];
}

describe('HTTP per-packet allocation', () => {
  it('stream → app layer → tx rules allocate nothing in steady state', async () => {
    const rs = loadRulesText(
      [
        'alert http any any -> any 80 (msg:"uri"; flow:established,to_server; http.uri; content:"/admin/"; sid:1;)',
        'alert http any any -> any any (msg:"code"; http.stat_code; content:"200"; http.server; content:"t"; sid:2;)',
        'alert http any any -> any any (msg:"ua"; content:"probe"; http_user_agent; sid:3;)',
      ].join('\n'),
    );
    expect(rs.failures).toEqual([]);
    const ft = new FlowTable({ maxFlows: 256, hashSeed: 7 });
    const stream = new TcpStreamStage(ft);
    const app = new AppLayer(ft.capacity);
    ft.storage.register(app);
    stream.setApp(app);
    let alerts = 0;
    const detect = new DetectEngine(rs, ft, [{ alert: () => void alerts++ }], { appLayer: app });
    const pipeline = new Pipeline({ flow: ft, stream, detect });
    // All frames in one buffer, as capture readers hand them over (one array per frame would
    // make the packet view build a DataView per frame: the test's cost, not the pipeline's).
    const list: Uint8Array[] = [];
    for (let i = 0; i < 1024; i++) list.push(...session(20000 + i));
    const all = Buffer.concat(list);
    const offs = new Int32Array(list.length + 1);
    for (let i = 0; i < list.length; i++) offs[i + 1] = offs[i]! + list[i]!.length;
    let ts = 1_700_000_000;
    const round = () => {
      for (let i = 0; i < list.length; i++) {
        const len = offs[i + 1]! - offs[i]!;
        pipeline.onFrame(all, offs[i]!, len, len, 1, ts, 0);
      }
      ts += 1;
    };
    for (let i = 0; i < 4; i++) round();
    const warm = alerts;
    let minor = 0;
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) minor++;
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 6; i++) round();
    const after = process.memoryUsage().heapUsed;
    await new Promise((r) => setTimeout(r, 50));
    obs.disconnect();
    // Three alerts per session (one per rule and tx).
    expect(alerts - warm).toBe(6 * 1024 * 3);
    expect(minor).toBeLessThanOrEqual(1);
    expect(after - before).toBeLessThan(4 * 1024 * 1024);
  });
});
