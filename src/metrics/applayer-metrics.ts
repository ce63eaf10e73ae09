/**
 * App-layer metrics for Prometheus (issue 13 item 4), read from the app layer's counters when
 * scraped: flows by detected app protocol (Suricata's app_layer.flow.<proto>, with "failed"),
 * HTTP transactions parsed, and the app-layer events raised, by name.
 */
import { Counter, type Registry } from 'prom-client';
import type { AppLayer } from '../applayer/app-layer.js';
import { AppProto, appProtoName } from '../applayer/app-proto.js';
import { APP_LAYER_EVENT_NAMES } from '../applayer/app-layer-events.js';
import type { HttpParser } from '../applayer/http/http-parser.js';
import type { DnsParser } from '../applayer/dns/dns-parser.js';
import { publishCounter } from './registry.js';

/** Protocol ids with a name (failed included), in id order. */
const PROTOS = Array.from({ length: 256 }, (_, i) => i).filter((i) => i !== AppProto.Unknown && appProtoName(i) !== undefined);

export function registerAppLayerMetrics(registry: Registry, getApp: () => AppLayer | null): void {
  const registers = [registry];
  new Counter({
    name: 'mirrorsink_applayer_flows_total',
    help: 'Flows by app-layer protocol once detected (app_proto as in EVE; "failed" when detection gave up)',
    labelNames: ['app_proto'],
    registers,
    collect() {
      const a = getApp();
      publishCounter(
        this,
        PROTOS.map((id) => [{ app_proto: appProtoName(id)! }, a === null ? 0 : id === AppProto.Failed ? a.counters.failed : a.counters.detected[id]!] as const),
      );
    },
  });
  new Counter({
    name: 'mirrorsink_applayer_tx_total',
    help: 'App-layer transactions parsed, by protocol',
    labelNames: ['app_proto'],
    registers,
    collect() {
      const a = getApp();
      const http = a !== null ? ((a.parser(AppProto.Http) as HttpParser | undefined) ?? null) : null;
      const dns = a !== null ? ((a.parser(AppProto.Dns) as DnsParser | undefined) ?? null) : null;
      publishCounter(this, [
        [{ app_proto: 'http' }, http !== null ? http.counters.txCreated : 0] as const,
        [{ app_proto: 'dns' }, dns !== null ? dns.counters.txs : 0] as const,
      ]);
    },
  });
  new Counter({
    name: 'mirrorsink_applayer_dns_tx_dropped_total',
    help: 'DNS transactions dropped un-inspected: a flow had 32 waiting (the per-flow bound)',
    registers,
    collect() {
      const a = getApp();
      const dns = a !== null ? ((a.parser(AppProto.Dns) as DnsParser | undefined) ?? null) : null;
      this.reset();
      this.inc(dns !== null ? dns.counters.txsDropped : 0);
    },
  });
  new Counter({
    name: 'mirrorsink_applayer_events_total',
    help: "Generic app-layer events raised on flows, by Suricata's name (applayer_*)",
    labelNames: ['event'],
    registers,
    collect() {
      const a = getApp();
      publishCounter(
        this,
        APP_LAYER_EVENT_NAMES.map((event, i) => [{ event }, a !== null ? a.counters.events[i]! : 0] as const),
      );
    },
  });
}
