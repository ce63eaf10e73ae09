/**
 * RFB / VNC (rust/src/rfb, rfb_probing_parser; TCP ports 5900-5909): the ProtocolVersion
 * message "RFB xxx.yyy\n", sent first by the server and echoed by the client.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { ascii, isDigit, prefixOf, startsWith } from './bytes.js';

const RFB = ascii('RFB ');

function probeRfb(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 12) return prefixOf(buf, off, len, RFB) || startsWith(buf, off, len, RFB) ? Probe.NeedMore : Probe.NoMatch;
  if (!startsWith(buf, off, len, RFB)) return Probe.NoMatch;
  for (let i = 4; i < 11; i++) if (i !== 7 && !isDigit(buf[off + i]!)) return Probe.NoMatch;
  return buf[off + 7] === 0x2e && buf[off + 11] === 0x0a ? Probe.Match : Probe.NoMatch;
}

export const rfbProtocol: AppLayerProtoDef = {
  proto: AppProto.Rfb,
  tcp: true,
  udp: false,
  ports: [5900, 5901, 5902, 5903, 5904, 5905, 5906, 5907, 5908, 5909],
  patterns: [],
  probe: probeRfb,
  firstDataToServer: false,
};
