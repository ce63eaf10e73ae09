import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { AppLayer } from '../../src/applayer/app-layer.js';
import { registerAppLayerMetrics } from '../../src/metrics/applayer-metrics.js';
import { DNS_A, dnsQuery } from '../../src/emulator/captures/packet-builder.js';

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('app-layer metrics', () => {
  it('flows by app protocol (failed too) and HTTP transactions, read at scrape time', async () => {
    const registry = new Registry();
    const al = new AppLayer(4);
    registerAppLayerMetrics(registry, () => al);
    al.open(0, true, 40000, 80);
    const req = bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
    al.onData(0, true, req, 0, req.length);
    al.open(1, true, 40001, 9999);
    const junk = bytes('\x00\x01\x02 not a protocol at all \r\n');
    al.onData(1, true, junk, 0, junk.length);
    al.onData(1, false, junk, 0, junk.length);
    al.onEnd(1, true);
    al.onEnd(1, false);
    const text = await registry.metrics();
    expect(text).toContain('mirrorsink_applayer_flows_total{app_proto="http"} 1');
    expect(text).toContain('mirrorsink_applayer_flows_total{app_proto="failed"} 1');
    expect(text).toContain('mirrorsink_applayer_tx_total{app_proto="http"} 2');
    expect(text).toContain('mirrorsink_applayer_dns_tx_dropped_total 0');
  });

  it('DNS transactions over UDP', async () => {
    const registry = new Registry();
    const al = new AppLayer(4);
    registerAppLayerMetrics(registry, () => al);
    al.open(0, false, 40000, 53);
    const q = dnsQuery(1, 'example.com', DNS_A);
    al.onData(0, true, q, 0, q.length);
    al.onData(0, true, q, 0, q.length);
    const text = await registry.metrics();
    expect(text).toContain('mirrorsink_applayer_flows_total{app_proto="dns"} 1');
    expect(text).toContain('mirrorsink_applayer_tx_total{app_proto="dns"} 2');
  });
});
