/**
 * RDP (rust/src/rdp, probe_rdp; probing parser on port 3389): a TPKT header (version 3) carrying
 * an X.224 Connection Request (to server), Connection Confirm (to client) or Data TPDU.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { u16be } from './bytes.js';

function probeRdp(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 6) return Probe.NeedMore;
  if (buf[off] !== 3 || buf[off + 1] !== 0) return Probe.NoMatch;
  const tpktLen = u16be(buf, off + 2);
  const li = buf[off + 4]!;
  if (tpktLen < 7 || li < 2 || li + 5 > tpktLen) return Probe.NoMatch;
  const code = buf[off + 5]! & 0xf0;
  return code === 0xe0 || code === 0xd0 || code === 0xf0 ? Probe.Match : Probe.NoMatch;
}

export const rdpProtocol: AppLayerProtoDef = {
  proto: AppProto.Rdp,
  tcp: true,
  udp: false,
  ports: [3389],
  patterns: [],
  probe: probeRdp,
  firstDataToServer: false,
};
