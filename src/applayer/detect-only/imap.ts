/**
 * IMAP detection (app-layer-imap.c: detection only, Suricata has no IMAP parser):
 * "* OK " to client and "1 capability" to server, case-insensitive.
 */
import { AppProto } from '../app-proto.js';
import { pattern } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

export const imapProtocol: AppLayerProtoDef = {
  proto: AppProto.Imap,
  tcp: true,
  udp: false,
  ports: [],
  patterns: [pattern('* OK ', 5, 'tc', true), pattern('1 capability', 12, 'ts', true)],
  firstDataToServer: false,
};
