/**
 * IKE (rust/src/ike, ike_probing_parser; UDP port 500): an ISAKMP header of at least 28 bytes
 * with a non-zero initiator SPI, major version 1 or 2 and a length matching the datagram.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { u32be } from './bytes.js';

function probeIke(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 28) return Probe.NoMatch;
  let spi = 0;
  for (let i = 0; i < 8; i++) spi |= buf[off + i]!;
  if (spi === 0) return Probe.NoMatch;
  const major = buf[off + 17]! >> 4;
  if (major !== 1 && major !== 2) return Probe.NoMatch;
  return u32be(buf, off + 24) === len ? Probe.Match : Probe.NoMatch;
}

export const ikeProtocol: AppLayerProtoDef = {
  proto: AppProto.Ike,
  tcp: false,
  udp: true,
  ports: [500],
  patterns: [],
  probe: probeIke,
  firstDataToServer: false,
};
