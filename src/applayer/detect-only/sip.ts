/**
 * SIP (rust/src/sip; port 5060, UDP and TCP): a request line starting with a SIP method and a
 * space to the server, "SIP/2.0 " to the client.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { ascii, prefixOf, startsWith } from './bytes.js';

const METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE'].map((m) => ascii(m + ' '));
const VERSION = ascii('SIP/2.0 ');

function probeSip(toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (!toServer) return startsWith(buf, off, len, VERSION) ? Probe.Match : prefixOf(buf, off, len, VERSION) ? Probe.NeedMore : Probe.NoMatch;
  let more = false;
  for (let i = 0; i < METHODS.length; i++) {
    if (startsWith(buf, off, len, METHODS[i]!)) return Probe.Match;
    if (prefixOf(buf, off, len, METHODS[i]!)) more = true;
  }
  return more ? Probe.NeedMore : Probe.NoMatch;
}

export const sipProtocol: AppLayerProtoDef = {
  proto: AppProto.Sip,
  tcp: true,
  udp: true,
  ports: [5060],
  patterns: [],
  probe: probeSip,
  firstDataToServer: false,
};
