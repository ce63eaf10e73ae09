/**
 * Protocols detected (so app_proto is right in EVE and `app-layer-protocol`) but not parsed yet.
 * Patterns and ports follow Suricata's registrations (app-layer-ssl.c, rust/src/ssh, dns, smb).
 */
import { AppProto } from './app-proto.js';
import { pattern, Probe } from './proto-pattern.js';
import type { AppLayerProtoDef } from './registry.js';
import { moreDetectOnlyProtocols } from './detect-only/index.js';

/** TLS/SSL: record type handshake (0x16), major version 3 (SSLRegisterPatternsForProtocolDetection). */
const tlsPatterns = [0, 1, 2, 3, 4].map((minor) => pattern(`|16 03 0${minor}|`, 3, 'both'));

/** DNS over TCP: 2-byte length then a header; plausible length and query count (probe_tcp). */
function probeDnsTcp(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 14) return Probe.NeedMore;
  const msgLen = (buf[off]! << 8) | buf[off + 1]!;
  if (msgLen < 12) return Probe.NoMatch;
  const qd = (buf[off + 6]! << 8) | buf[off + 7]!;
  const opcode = (buf[off + 4]! >> 3) & 0x0f;
  return qd >= 1 && qd <= 64 && opcode <= 6 ? Probe.Match : Probe.NoMatch;
}

/** SMB over TCP: NetBIOS session header then \xffSMB, \xfeSMB or \xfdSMB. */
function probeSmb(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 8) return Probe.NeedMore;
  if (buf[off] !== 0) return Probe.NoMatch;
  const m = buf[off + 4]!;
  return (m === 0xff || m === 0xfe || m === 0xfd) && buf[off + 5] === 0x53 && buf[off + 6] === 0x4d && buf[off + 7] === 0x42 ? Probe.Match : Probe.NoMatch;
}

export const detectOnlyProtocols: readonly AppLayerProtoDef[] = [
  { proto: AppProto.Tls, tcp: true, udp: false, ports: [443], patterns: tlsPatterns, firstDataToServer: false },
  { proto: AppProto.Ssh, tcp: true, udp: false, ports: [], patterns: [pattern('SSH-', 4, 'both')], firstDataToServer: false },
  { proto: AppProto.Dns, tcp: true, udp: true, ports: [53], patterns: [], probe: probeDnsTcp, firstDataToServer: false },
  { proto: AppProto.Smb, tcp: true, udp: false, ports: [139, 445], patterns: [], probe: probeSmb, firstDataToServer: false },
  // SMTP, FTP, SMB by pattern, DCERPC, RDP, IMAP, POP3 and the rest (one file each).
  ...moreDetectOnlyProtocols,
];
