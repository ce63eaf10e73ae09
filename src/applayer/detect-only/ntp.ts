/**
 * NTP (rust/src/ntp, ntp_probing_parser; UDP port 123): a 48-byte or longer message whose
 * version is 3 or 4.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

function probeNtp(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 48) return Probe.NoMatch;
  const version = (buf[off]! >> 3) & 7;
  const mode = buf[off]! & 7;
  return (version === 3 || version === 4) && mode !== 0 ? Probe.Match : Probe.NoMatch;
}

export const ntpProtocol: AppLayerProtoDef = {
  proto: AppProto.Ntp,
  tcp: false,
  udp: true,
  ports: [123],
  patterns: [],
  probe: probeNtp,
  firstDataToServer: false,
};
