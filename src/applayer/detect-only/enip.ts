/**
 * EtherNet/IP (rust/src/enip, enip_probing_parser; port 44818, TCP and UDP): a 24-byte
 * encapsulation header with a known command.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

/** NOP, ListServices, ListIdentity, ListInterfaces, RegisterSession, UnregisterSession, SendRRData, SendUnitData, IndicateStatus, Cancel. */
const COMMANDS = [0x0000, 0x0004, 0x0063, 0x0064, 0x0065, 0x0066, 0x006f, 0x0070, 0x0072, 0x0073];

function probeEnip(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 24) return Probe.NeedMore;
  const cmd = buf[off]! | (buf[off + 1]! << 8);
  return COMMANDS.indexOf(cmd) >= 0 ? Probe.Match : Probe.NoMatch;
}

export const enipProtocol: AppLayerProtoDef = {
  proto: AppProto.Enip,
  tcp: true,
  udp: true,
  ports: [44818],
  patterns: [],
  probe: probeEnip,
  firstDataToServer: false,
};
