/**
 * SMB on any port (rust/src/smb: the "|ff|SMB" / "|fe|SMB" / "|fd|SMB" patterns at offset 4,
 * both directions, each confirmed by smb_probe_tcp's NetBIOS session header check). The port
 * 139/445 probing entry stays in detect-only-protos.ts.
 */
import { AppProto } from '../app-proto.js';
import { patternWithProbe, Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

/** NBSS message type: 0x00 session message (0x85 keep-alive carries no SMB). */
function probeNbss(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 8) return Probe.NeedMore;
  return buf[off] === 0x00 ? Probe.Match : Probe.NoMatch;
}

export const smbPatternProtocol: AppLayerProtoDef = {
  proto: AppProto.Smb,
  tcp: true,
  udp: false,
  ports: [],
  patterns: [
    patternWithProbe('|ff|SMB', 8, 'both', probeNbss, 4),
    patternWithProbe('|fe|SMB', 8, 'both', probeNbss, 4),
    patternWithProbe('|fd|SMB', 8, 'both', probeNbss, 4),
  ],
  firstDataToServer: false,
};
