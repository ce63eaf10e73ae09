/**
 * SMTP detection (app-layer-smtp.c SMTPRegisterPatternsForProtocolDetection): "EHLO", "HELO" and
 * "QUIT" at the start of the to-server data, case-insensitive. The server's "220" banner has no
 * pattern: the to-client side reuses the client's verdict, as in Suricata.
 */
import { AppProto } from '../app-proto.js';
import { pattern } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';

export const smtpProtocol: AppLayerProtoDef = {
  proto: AppProto.Smtp,
  tcp: true,
  udp: false,
  ports: [],
  patterns: [pattern('EHLO', 4, 'ts', true), pattern('HELO', 4, 'ts', true), pattern('QUIT', 4, 'ts', true)],
  firstDataToServer: false,
};
