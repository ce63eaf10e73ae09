/**
 * PostgreSQL (rust/src/pgsql, probing parsers; TCP port 5432): to the server a StartupMessage
 * (protocol 3.0), SSLRequest, GSSENCRequest or CancelRequest; to the client an Authentication
 * message ('R') or the one-byte answer to an SSL/GSS request ('S' or 'N').
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { u32be } from './bytes.js';

const PROTO_3_0 = 0x00030000;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Highest Authentication request type (SASLFinal = 12). */
const MAX_AUTH = 12;

function probePgsql(toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (toServer) {
    if (len < 8) return Probe.NeedMore;
    const l = u32be(buf, off);
    const code = u32be(buf, off + 4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) return l === 8 ? Probe.Match : Probe.NoMatch;
    if (code === CANCEL_REQUEST) return l === 16 ? Probe.Match : Probe.NoMatch;
    return code === PROTO_3_0 && l >= 8 && l <= 10000 ? Probe.Match : Probe.NoMatch;
  }
  const t = buf[off]!;
  if (len === 1) return t === 0x53 || t === 0x4e ? Probe.Match : t === 0x52 ? Probe.NeedMore : Probe.NoMatch;
  if (t !== 0x52) return Probe.NoMatch;
  if (len < 9) return Probe.NeedMore;
  const l = u32be(buf, off + 1);
  return l >= 8 && l <= 10000 && u32be(buf, off + 5) <= MAX_AUTH ? Probe.Match : Probe.NoMatch;
}

export const pgsqlProtocol: AppLayerProtoDef = {
  proto: AppProto.Pgsql,
  tcp: true,
  udp: false,
  ports: [5432],
  patterns: [],
  probe: probePgsql,
  firstDataToServer: false,
};
