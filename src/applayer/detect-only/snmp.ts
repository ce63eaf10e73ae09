/**
 * SNMP (rust/src/snmp, snmp_probing_parser; UDP ports 161 and 162): a BER SEQUENCE starting with
 * the version INTEGER (0 = v1, 1 = v2c, 3 = v3); v1/v2c then carry the community OCTET STRING,
 * v3 its header SEQUENCE.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

function probeSnmp(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 8 || buf[off] !== 0x30) return Probe.NoMatch;
  let i = off + 1;
  const l0 = buf[i++]!;
  if (l0 & 0x80) {
    const n = l0 & 0x7f;
    if (n < 1 || n > 4) return Probe.NoMatch;
    i += n;
  }
  if (i + 4 > off + len) return Probe.NoMatch;
  if (buf[i] !== 0x02 || buf[i + 1] !== 0x01) return Probe.NoMatch;
  const version = buf[i + 2]!;
  const next = buf[i + 3]!;
  if (version === 0 || version === 1) return next === 0x04 ? Probe.Match : Probe.NoMatch;
  return version === 3 && next === 0x30 ? Probe.Match : Probe.NoMatch;
}

export const snmpProtocol: AppLayerProtoDef = {
  proto: AppProto.Snmp,
  tcp: false,
  udp: true,
  ports: [161, 162],
  patterns: [],
  probe: probeSnmp,
  firstDataToServer: false,
};
