/**
 * DCERPC over TCP (rust/src/dcerpc, probe_tcp): the connection-oriented PDU header, version 5.0
 * or 5.1, a known packet type, little- or big-endian data representation and a fragment length
 * covering the 16-byte header. Registered as the pattern "|05 00|" (both directions) confirmed
 * by the probe, and as the probing parser of port 135.
 */
import { AppProto } from '../app-proto.js';
import { patternWithProbe, Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

/** Highest connection-oriented PDU type (rts = 20). */
const MAX_PTYPE = 20;

function probeDcerpc(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 16) return Probe.NeedMore;
  if (buf[off] !== 5 || buf[off + 1]! > 1) return Probe.NoMatch;
  if (buf[off + 2]! > MAX_PTYPE) return Probe.NoMatch;
  const drep = buf[off + 4]! & 0xf0;
  if (drep !== 0x10 && drep !== 0x00) return Probe.NoMatch;
  const fragLen = drep === 0x10 ? buf[off + 8]! | (buf[off + 9]! << 8) : (buf[off + 8]! << 8) | buf[off + 9]!;
  return fragLen >= 16 ? Probe.Match : Probe.NoMatch;
}

export const dcerpcProtocol: AppLayerProtoDef = {
  proto: AppProto.Dcerpc,
  tcp: true,
  udp: false,
  ports: [135],
  patterns: [patternWithProbe('|05 00|', 2, 'both', probeDcerpc)],
  probe: probeDcerpc,
  firstDataToServer: false,
};
