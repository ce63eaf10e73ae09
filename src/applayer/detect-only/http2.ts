/**
 * HTTP/2 with prior knowledge (rust/src/http2: the client connection preface
 * "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" to the server). HTTP/2 reached by an HTTP/1 Upgrade needs
 * the HTTP/2 parser and is not detected. The server's SETTINGS frame may come first (no first-data
 * direction check), the client's preface then decides.
 */
import { AppProto } from '../app-proto.js';
import { pattern } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

export const http2Protocol: AppLayerProtoDef = {
  proto: AppProto.Http2,
  tcp: true,
  udp: false,
  ports: [],
  patterns: [pattern('PRI * HTTP/2.0|0d 0a 0d 0a|SM|0d 0a 0d 0a|', 24, 'ts')],
  firstDataToServer: false,
};
