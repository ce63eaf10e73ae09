import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/filter/compile.js';
import { registerFilterMetrics } from '../../src/metrics/filter-metrics.js';
import { IN, OUT, UNKNOWN, icmp, tcp, udp, yamlFilter } from './helpers.js';

describe('registerFilterMetrics', () => {
  it('publishes rule hits and verdicts from the typed counters at scrape time', async () => {
    const f = compileFilter(yamlFilter(`network_services: [amazon-dns]
ingress:
  - {rule: 100, action: accept, protocol: tcp, src: 0.0.0.0/0, dst: 0.0.0.0/0}
  - {rule: 200, action: reject, src: 0.0.0.0/0, dst: 0.0.0.0/0}
egress:
  - {rule: 100, action: accept, protocol: udp, src: 0.0.0.0/0, dst: 0.0.0.0/0}`), { amazonDnsAddress: '10.0.0.2', directionUnknown: 'reject' });
    const g = compileFilter(yamlFilter(`ingress:\n  - {rule: 1, action: accept, src: 0.0.0.0/0, dst: 0.0.0.0/0}`));
    const reg = new Registry();
    registerFilterMetrics(reg, () => [{ session: 'vni-1', filter: f }, { session: 'vni-2', filter: g }]);

    for (let i = 0; i < 3; i++) f.evaluate(tcp('1.1.1.1', 1, '2.2.2.2', 80), IN);
    f.evaluate(icmp('1.1.1.1', '2.2.2.2'), IN);
    f.evaluate(icmp('1.1.1.1', '2.2.2.2'), OUT);
    f.evaluate(udp('1.1.1.1', 5, '10.0.0.2', 53), OUT);
    f.evaluate(tcp('1.1.1.1', 1, '2.2.2.2', 80), UNKNOWN);
    g.evaluate(tcp('1.1.1.1', 1, '2.2.2.2', 80), IN);

    const text = await reg.metrics();
    const line = (s: string) => expect(text.split('\n')).toContain(s);
    expect(text).toContain('# TYPE mirrorsink_filter_rule_hits_total counter');
    line('mirrorsink_filter_rule_hits_total{session="vni-1",direction="ingress",rule_number="100",action="accept"} 3');
    line('mirrorsink_filter_rule_hits_total{session="vni-1",direction="ingress",rule_number="200",action="reject"} 1');
    line('mirrorsink_filter_rule_hits_total{session="vni-1",direction="egress",rule_number="100",action="accept"} 0');
    line('mirrorsink_filter_rule_hits_total{session="vni-1",direction="egress",rule_number="none",action="reject"} 1');
    line('mirrorsink_filter_rule_hits_total{session="vni-1",direction="unknown",rule_number="none",action="reject"} 1');
    line('mirrorsink_filter_rule_hits_total{session="vni-1",direction="egress",rule_number="amazon-dns",action="accept"} 1');
    line('mirrorsink_filter_rule_hits_total{session="vni-2",direction="ingress",rule_number="1",action="accept"} 1');
    expect(text).toContain('# TYPE mirrorsink_filter_verdicts_total counter');
    line('mirrorsink_filter_verdicts_total{session="vni-1",verdict="accepted"} 4');
    line('mirrorsink_filter_verdicts_total{session="vni-1",verdict="rejected"} 3');
    line('mirrorsink_filter_verdicts_total{session="vni-2",verdict="accepted"} 1');

    // later scrapes reflect later counts (no double counting)
    f.evaluate(tcp('1.1.1.1', 1, '2.2.2.2', 80), IN);
    const again = (await reg.metrics()).split('\n');
    expect(again).toContain('mirrorsink_filter_rule_hits_total{session="vni-1",direction="ingress",rule_number="100",action="accept"} 4');
    expect(again).toContain('mirrorsink_filter_verdicts_total{session="vni-1",verdict="accepted"} 5');
  });
});
