/**
 * Suricata's fast.log, one line per alert (alert-fastlog.c):
 *
 *   04/07/2017-22:24:37.251547  [**] [1:2001219:20] ET SCAN Potential SSH Scan [**]
 *     [Classification: Attempted Information Leak] [Priority: 2] {TCP} 1.2.3.4:1234 -> 5.6.7.8:22
 *
 * (one line). Drop and reject rules get the "[wDrop] " prefix Suricata uses in IDS mode ("would
 * drop"). A rule without classtype prints "[Classification: (null)]" as Suricata does. ICMP
 * prints type and code where the ports go. IPv6 addresses are written in full, as Suricata's
 * PrintInet does.
 */
import { IPPROTO_ICMP, IPPROTO_ICMPV6, type PacketView } from '../decode/packet-view.js';
import type { AlertSink, LineWriter } from '../detect/alert-sink.js';
import type { Rule } from '../detect/rule.js';
import { protoName } from '../flow/flow-report.js';
import { packetAddress } from './eve-alert.js';
import { formatFastLogTimestamp } from './eve-timestamp.js';
import { fastLogBodyOf } from './rule-text.js';

export { ruleFastLogBody } from './rule-text.js';

export function formatFastLogLine(p: PacketView, rule: Rule): string {
  const icmp = p.ipProto === IPPROTO_ICMP || p.ipProto === IPPROTO_ICMPV6;
  const sp = icmp ? p.icmpType : p.sport < 0 ? 0 : p.sport;
  const dp = icmp ? p.icmpCode : p.dport < 0 ? 0 : p.dport;
  return (
    `${formatFastLogTimestamp(p.tsSec, p.tsNsec)}  ${fastLogBodyOf(rule)} {${protoName(p.ipProto)}} ` +
    `${packetAddress(p, true)}:${sp} -> ${packetAddress(p, false)}:${dp}`
  );
}

export class FastLogSink implements AlertSink {
  count = 0;
  constructor(private readonly out: LineWriter) {}

  alert(p: PacketView, rule: Rule): void {
    this.count++;
    this.out.write(formatFastLogLine(p, rule));
  }
}
