/**
 * Kerberos 5 (rust/src/krb, krb5_probing_parser; port 88, UDP and TCP): a DER element of class
 * APPLICATION with a Kerberos message tag (AS-REQ 10, AS-REP 11, TGS-REQ 12, TGS-REP 13,
 * AP-REQ 14, AP-REP 15, KRB-ERROR 30). Over TCP a 4-byte record length comes first.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { u32be } from './bytes.js';

/** DER identifier octet: class APPLICATION (0x40), constructed (0x20), low-tag-number form. */
function krbMessage(b: number): boolean {
  if ((b & 0xe0) !== 0x60) return false;
  const tag = b & 0x1f;
  return (tag >= 10 && tag <= 15) || tag === 30;
}

/** Each datagram is one message (UDP); over TCP the record-marked message follows. */
function probeKrb5(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 10) return Probe.NeedMore;
  // A TCP record length has its top byte 0 (and the high bit reserved); a UDP message starts
  // with the APPLICATION tag. Both are tried: the table entry serves both transports.
  if (krbMessage(buf[off]!)) return Probe.Match;
  const rec = u32be(buf, off);
  if (rec >= 0x80000000 || rec < 6 || rec > 0xffffff) return Probe.NoMatch;
  return krbMessage(buf[off + 4]!) ? Probe.Match : Probe.NoMatch;
}

export const krb5Protocol: AppLayerProtoDef = {
  proto: AppProto.Krb5,
  tcp: true,
  udp: true,
  ports: [88],
  patterns: [],
  probe: probeKrb5,
  firstDataToServer: false,
};
