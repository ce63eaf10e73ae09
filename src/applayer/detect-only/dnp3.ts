/**
 * DNP3 (app-layer-dnp3.c, DNP3ProbingParser; TCP port 20000): the link header's start bytes
 * 05 64 and a length of at least 5. Suricata accepts DNP3 data first to the server only
 * (AppLayerParserRegisterParserAcceptableDataDirection): an outstation speaking first fails.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

function probeDnp3(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 10) return Probe.NeedMore;
  if (buf[off] !== 0x05 || buf[off + 1] !== 0x64) return Probe.NoMatch;
  return buf[off + 2]! >= 5 ? Probe.Match : Probe.NoMatch;
}

export const dnp3Protocol: AppLayerProtoDef = {
  proto: AppProto.Dnp3,
  tcp: true,
  udp: false,
  ports: [20000],
  patterns: [],
  probe: probeDnp3,
  firstDataToServer: true,
};
