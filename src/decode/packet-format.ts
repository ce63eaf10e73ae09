/**
 * A decoded packet as text for people and tests (`mirrorsink decode`). Not the per-packet hot
 * path of the sink: these build strings.
 */
import { decodeEventNames } from './decode-events.js';
import { formatIp } from '../net/ip-address.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type PacketView } from './packet-view.js';

/** seconds.nanoseconds with exactly 9 digits, by integer math (a float would lose the ns). */
export function formatTimestamp(tsSec: number, tsNsec: number): string {
  return `${tsSec}.${String(tsNsec).padStart(9, '0')}`;
}

function innerSrc(p: PacketView): string | null {
  return formatIp(p.ipVersion, p.src4, p.src6);
}

function innerDst(p: PacketView): string | null {
  return formatIp(p.ipVersion, p.dst4, p.dst6);
}

function isIcmp(p: PacketView): boolean {
  return p.icmpType >= 0 && (p.ipProto === IPPROTO_ICMP || p.ipProto === IPPROTO_ICMPV6);
}

/** One JSON object; keys in a fixed order (see the decode command's --help). */
export function formatPacketJson(p: PacketView): string {
  const outer =
    p.tunnel === 0
      ? 'null'
      : `{"src":${JSON.stringify(formatIp(p.outerIpVersion, p.outerSrc4, p.outerSrc6))},` +
        `"dst":${JSON.stringify(formatIp(p.outerIpVersion, p.outerDst4, p.outerDst6))},` +
        `"sport":${p.outerIpVersion === 0 ? 'null' : p.outerSport},"dport":${p.outerIpVersion === 0 ? 'null' : p.outerDport}}`;
  const hasIp = p.ipVersion !== 0;
  const vlan: number[] = [];
  for (let i = 0; i < p.vlanCount; i++) vlan.push(p.vlanIds[i]!);
  const icmp = isIcmp(p);
  return (
    `{"n":${p.frameNo},"ts":${formatTimestamp(p.tsSec, p.tsNsec)},"vni":${p.vni < 0 ? 'null' : p.vni},"outer":${outer},` +
    `"src":${JSON.stringify(innerSrc(p))},"dst":${JSON.stringify(innerDst(p))},` +
    `"proto":${hasIp && p.ipProto >= 0 ? p.ipProto : 'null'},` +
    `"sport":${p.sport < 0 ? 'null' : p.sport},"dport":${p.dport < 0 ? 'null' : p.dport},` +
    `"icmp_type":${icmp ? p.icmpType : 'null'},"icmp_code":${icmp ? p.icmpCode : 'null'},` +
    `"tcp_flags":${p.ipProto === IPPROTO_TCP && p.tcpHeaderLen > 0 ? p.tcpFlags : 'null'},` +
    `"ip_len":${hasIp ? p.ipLen : 'null'},"frag":${p.isFragment},"vlan":[${vlan.join(',')}],` +
    `"truncated":${p.truncated},"error":${p.error === 0 ? 'null' : JSON.stringify(decodeEventNames[p.error])}}`
  );
}

/** tcpdump's flag letters: S F R P . (ACK) U E W. */
export function tcpFlagsToString(flags: number): string {
  let s = '';
  if (flags & 0x02) s += 'S';
  if (flags & 0x01) s += 'F';
  if (flags & 0x04) s += 'R';
  if (flags & 0x08) s += 'P';
  if (flags & 0x20) s += 'U';
  if (flags & 0x40) s += 'E';
  if (flags & 0x80) s += 'W';
  if (flags & 0x10) s += '.';
  return s === '' ? 'none' : s;
}

const PROTO_NAMES: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMP6', 50: 'ESP', 51: 'AH', 47: 'GRE', 59: 'NONXT' };

function endpoint(addr: string, version: number, port: number): string {
  if (port < 0) return addr;
  return version === 6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** One readable line, in the spirit of tcpdump -nn: time, vni, src > dst, protocol, length. */
export function formatPacketLine(p: PacketView): string {
  let s = formatTimestamp(p.tsSec, p.tsNsec);
  if (p.vni >= 0) s += ` vni ${p.vni}`;
  if (p.vlanCount > 0) {
    const ids: number[] = [];
    for (let i = 0; i < p.vlanCount; i++) ids.push(p.vlanIds[i]!);
    s += ` vlan ${ids.join('.')}`;
  }
  const src = innerSrc(p);
  const dst = innerDst(p);
  if (src !== null && dst !== null) {
    s += ` ${endpoint(src, p.ipVersion, p.sport)} > ${endpoint(dst, p.ipVersion, p.dport)}`;
    s += ` ${p.ipProto >= 0 ? (PROTO_NAMES[p.ipProto] ?? `proto ${p.ipProto}`) : 'proto ?'}`;
    if (p.ipProto === IPPROTO_TCP && p.tcpHeaderLen > 0) s += ` [${tcpFlagsToString(p.tcpFlags)}]`;
    if (isIcmp(p)) s += ` type ${p.icmpType} code ${p.icmpCode}`;
    if (p.isFragment) s += ` frag off ${p.fragOffset}${p.ipFlags & 1 ? '+' : ''}`;
    s += ` length ${p.ipLen}`;
    if ((p.ipProto === IPPROTO_TCP && p.tcpHeaderLen > 0) || (p.ipProto === IPPROTO_UDP && p.sport >= 0)) s += ` payload ${p.payloadLen}`;
  } else if (p.etherType !== 0) {
    s += ` ethertype 0x${p.etherType.toString(16).padStart(4, '0')} length ${p.caplen}`;
  } else {
    s += ` length ${p.caplen}`;
  }
  if (p.truncated) s += ' truncated';
  if (p.error !== 0) s += ` error ${decodeEventNames[p.error]}`;
  return s;
}
