/**
 * LDAP (rust/src/ldap; probing parser on ports 389 and 3268, TCP and UDP): a BER LDAPMessage,
 * SEQUENCE { messageID INTEGER, protocolOp [APPLICATION n] } with a known operation number.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

/** Highest LDAP protocolOp application tag (intermediateResponse = 25). */
const MAX_OP = 25;

function probeLdap(_toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 7) return Probe.NeedMore;
  if (buf[off] !== 0x30) return Probe.NoMatch;
  // SEQUENCE length: short form or long form with 1..4 length octets.
  let i = off + 1;
  const l0 = buf[i++]!;
  if (l0 & 0x80) {
    const n = l0 & 0x7f;
    if (n < 1 || n > 4) return Probe.NoMatch;
    i += n;
  }
  if (i + 3 > off + len) return Probe.NeedMore;
  // messageID: INTEGER of 1..4 octets.
  if (buf[i] !== 0x02) return Probe.NoMatch;
  const idLen = buf[i + 1]!;
  if (idLen < 1 || idLen > 4) return Probe.NoMatch;
  i += 2 + idLen;
  if (i >= off + len) return Probe.NeedMore;
  const op = buf[i]!;
  if ((op & 0xc0) !== 0x40) return Probe.NoMatch;
  return (op & 0x1f) <= MAX_OP ? Probe.Match : Probe.NoMatch;
}

export const ldapProtocol: AppLayerProtoDef = {
  proto: AppProto.Ldap,
  tcp: true,
  udp: true,
  ports: [389, 3268],
  patterns: [],
  probe: probeLdap,
  firstDataToServer: false,
};
