/**
 * TLS protocol detection from the first bytes of a direction, the record-header patterns
 * Suricata registers (app-layer-ssl.c SSLRegisterPatternsForProtocolDetection): a TLS record
 * header `16 03 0x` (handshake) either way, also `15 03 0x` (alert) and `17 03 0x` (application
 * data) to the client; an SSLv2 (or v2-compatible) ClientHello to the server and an SSLv2
 * ServerHello to the client.
 */
export const TLS_PROBE_NO = 0;
export const TLS_PROBE_YES = 1;
export const TLS_PROBE_NEED_MORE = 2;

export function probeTls(toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 3) return len === 0 ? TLS_PROBE_NO : TLS_PROBE_NEED_MORE;
  const t = buf[off]!;
  if (buf[off + 1] === 3 && buf[off + 2]! <= 4) {
    if (t === 0x16) return TLS_PROBE_YES;
    if (!toServer && (t === 0x15 || t === 0x17)) return TLS_PROBE_YES;
  }
  if ((t & 0x80) !== 0) {
    if (len < 5) return TLS_PROBE_NEED_MORE;
    const mt = buf[off + 2]!;
    const major = buf[off + 3]!;
    const minor = buf[off + 4]!;
    if (toServer && mt === 1 && ((major === 0 && minor === 2) || (major === 3 && minor <= 3))) return TLS_PROBE_YES;
    if (!toServer && mt === 4) {
      if (len < 7) return TLS_PROBE_NEED_MORE;
      if (buf[off + 5] === 0 && buf[off + 6] === 2) return TLS_PROBE_YES;
    }
  }
  return TLS_PROBE_NO;
}
