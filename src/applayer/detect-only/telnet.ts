/**
 * Telnet (rust/src/telnet, telnet_probe; TCP port 23): the data starts with IAC (0xff)
 * followed by a command byte (SE..IAC, 0xf0-0xff), as option negotiation opens a session.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

function probeTelnet(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 2) return Probe.NeedMore;
  return buf[off] === 0xff && buf[off + 1]! >= 0xf0 ? Probe.Match : Probe.NoMatch;
}

export const telnetProtocol: AppLayerProtoDef = {
  proto: AppProto.Telnet,
  tcp: true,
  udp: false,
  ports: [23],
  patterns: [],
  probe: probeTelnet,
  firstDataToServer: false,
};
