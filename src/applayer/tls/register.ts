/**
 * TLS in the protocol table: record-header patterns either way and the probe on port 443
 * (app-layer-ssl.c SSLRegisterPatternsForProtocolDetection).
 */
import { AppProto } from '../app-proto.js';
import { pattern, Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { TlsParser } from './tls-parser.js';
import { TLS_PROBE_NEED_MORE, TLS_PROBE_YES, probeTls } from './tls-probe.js';

/** Record type handshake (0x16), major version 3, minor 0..4. */
const tlsPatterns = [0, 1, 2, 3, 4].map((minor) => pattern(`|16 03 0${minor}|`, 3, 'both'));

export const tlsProtocol: AppLayerProtoDef = {
  proto: AppProto.Tls,
  tcp: true,
  udp: false,
  ports: [443],
  patterns: tlsPatterns,
  probe: (toServer, buf, off, len) => {
    const v = probeTls(toServer, buf, off, len);
    return v === TLS_PROBE_YES ? Probe.Match : v === TLS_PROBE_NEED_MORE ? Probe.NeedMore : Probe.NoMatch;
  },
  firstDataToServer: false,
  createParser: (capacity) => new TlsParser(capacity),
};
