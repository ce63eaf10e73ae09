/**
 * DNS in the protocol table: no pattern, a probing parser on port 53 for TCP (length-prefixed)
 * and UDP (one message per datagram), as Suricata registers it (rust/src/dns/dns.rs).
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { DnsParser } from './dns-parser.js';
import { DNS_PROBE_NEED_MORE, DNS_PROBE_NO, probeDnsTcp, probeDnsUdp } from './dns-probe.js';

function verdict(v: number): number {
  return v === DNS_PROBE_NO ? Probe.NoMatch : v === DNS_PROBE_NEED_MORE ? Probe.NeedMore : Probe.Match;
}

export const dnsProtocol: AppLayerProtoDef = {
  proto: AppProto.Dns,
  tcp: true,
  udp: true,
  ports: [53],
  patterns: [],
  probe: (_toServer, buf, off, len) => verdict(probeDnsTcp(buf, off, len)),
  probeUdp: (_toServer, buf, off, len) => verdict(probeDnsUdp(buf, off, len)),
  firstDataToServer: false,
  createParser: (capacity) => new DnsParser(capacity),
};
