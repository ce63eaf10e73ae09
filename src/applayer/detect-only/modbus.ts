/**
 * Modbus/TCP (app-layer-modbus / rust/src/modbus, ModbusProbingParser; TCP port 502): an MBAP
 * header with protocol id 0 and a length between 2 and 254.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { u16be } from './bytes.js';

function probeModbus(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 8) return Probe.NeedMore;
  if (u16be(buf, off + 2) !== 0) return Probe.NoMatch;
  const l = u16be(buf, off + 4);
  return l >= 2 && l <= 254 ? Probe.Match : Probe.NoMatch;
}

export const modbusProtocol: AppLayerProtoDef = {
  proto: AppProto.Modbus,
  tcp: true,
  udp: false,
  ports: [502],
  patterns: [],
  probe: probeModbus,
  firstDataToServer: false,
};
