/**
 * DHCP (rust/src/dhcp, dhcp_probing_parser; UDP ports 67 and 68): a BOOTP header (op 1 or 2,
 * at least the fixed 236 bytes) followed by the DHCP magic cookie 63 82 53 63.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

function probeDhcp(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 240) return Probe.NoMatch;
  const op = buf[off]!;
  if (op !== 1 && op !== 2) return Probe.NoMatch;
  const m = off + 236;
  return buf[m] === 0x63 && buf[m + 1] === 0x82 && buf[m + 2] === 0x53 && buf[m + 3] === 0x63 ? Probe.Match : Probe.NoMatch;
}

export const dhcpProtocol: AppLayerProtoDef = {
  proto: AppProto.Dhcp,
  tcp: false,
  udp: true,
  ports: [67, 68],
  patterns: [],
  probe: probeDhcp,
  firstDataToServer: false,
};
