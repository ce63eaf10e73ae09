/** SSH in the protocol table: the `SSH-` pattern at the start of either direction. */
import { AppProto } from '../app-proto.js';
import { pattern } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { SshParser } from './ssh-parser.js';

export const sshProtocol: AppLayerProtoDef = {
  proto: AppProto.Ssh,
  tcp: true,
  udp: false,
  ports: [],
  patterns: [pattern('SSH-', 4, 'both')],
  firstDataToServer: false,
  createParser: (capacity) => new SshParser(capacity),
};
