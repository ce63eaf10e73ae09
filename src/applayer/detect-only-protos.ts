/**
 * Protocols detected (so app_proto is right in EVE and `app-layer-protocol`) but not parsed yet.
 * Patterns and ports follow Suricata's registrations (app-layer-ssl.c, rust/src/ssh, dns, smb).
 */
import { AppProto } from './app-proto.js';
import { Probe } from './proto-pattern.js';
import type { AppLayerProtoDef } from './registry.js';
import { moreDetectOnlyProtocols } from './detect-only/index.js';

/** SMB over TCP: NetBIOS session header then \xffSMB, \xfeSMB or \xfdSMB. */
function probeSmb(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 8) return Probe.NeedMore;
  if (buf[off] !== 0) return Probe.NoMatch;
  const m = buf[off + 4]!;
  return (m === 0xff || m === 0xfe || m === 0xfd) && buf[off + 5] === 0x53 && buf[off + 6] === 0x4d && buf[off + 7] === 0x42 ? Probe.Match : Probe.NoMatch;
}

export const detectOnlyProtocols: readonly AppLayerProtoDef[] = [
  { proto: AppProto.Smb, tcp: true, udp: false, ports: [139, 445], patterns: [], probe: probeSmb, firstDataToServer: false },
  // SMTP, FTP, SMB by pattern, DCERPC, RDP, IMAP, POP3 and the rest (one file each).
  ...moreDetectOnlyProtocols,
];
