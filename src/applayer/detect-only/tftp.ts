/**
 * TFTP (rust/src/tftp, tftp_probing_parser; UDP port 69): a read (1) or write (2) request,
 * a NUL-terminated file name and a known transfer mode.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { ascii, startsWith } from './bytes.js';

const MODES = ['netascii', 'octet', 'mail'].map((m) => ascii(m + '\0'));

function probeTftp(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 4 || buf[off] !== 0 || (buf[off + 1] !== 1 && buf[off + 1] !== 2)) return Probe.NoMatch;
  let i = 2;
  while (i < len && buf[off + i] !== 0) i++;
  if (i === 2 || i >= len) return Probe.NoMatch;
  i++;
  for (let m = 0; m < MODES.length; m++) if (startsWith(buf, off + i, len - i, MODES[m]!, true)) return Probe.Match;
  return Probe.NoMatch;
}

export const tftpProtocol: AppLayerProtoDef = {
  proto: AppProto.Tftp,
  tcp: false,
  udp: true,
  ports: [69],
  patterns: [],
  probe: probeTftp,
  firstDataToServer: false,
};
