/** HTTP/1 in the protocol table: patterns of app-layer-htp.c (methods to server, HTTP/1.x to client). */
import { AppProto } from '../app-proto.js';
import { pattern } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { HttpParser } from './http-parser.js';

const METHODS = ['GET', 'PUT', 'POST', 'HEAD', 'TRACE', 'OPTIONS', 'CONNECT', 'DELETE', 'PATCH', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'CHECKOUT', 'UNCHECKOUT', 'CHECKIN', 'UPDATE', 'LABEL', 'REPORT', 'MKWORKSPACE', 'MKACTIVITY', 'MERGE', 'INVALID', 'VERSION-CONTROL', 'BASELINE-CONTROL'];

const patterns = [
  // Method followed by a space or a tab, case-insensitive, at the start.
  ...METHODS.flatMap((m) => [pattern(`${m} `, m.length + 1, 'ts', true), pattern(`${m}|09|`, m.length + 1, 'ts', true)]),
  pattern('HTTP/0.9', 8, 'tc', true),
  pattern('HTTP/1.0', 8, 'tc', true),
  pattern('HTTP/1.1', 8, 'tc', true),
];

export const httpProtocol: AppLayerProtoDef = {
  proto: AppProto.Http,
  tcp: true,
  udp: false,
  ports: [],
  patterns,
  firstDataToServer: true,
  createParser: (capacity, config) => new HttpParser(capacity, config.http),
};
