/**
 * POP3 detection (rust/src/pop3, sawp-pop3 probe; probing parser on port 110): a complete first
 * line that is a POP3 command to the server, or a "+OK" / "-ERR" status to the client.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { ascii, lineEnd, startsWith } from './bytes.js';

const COMMANDS = ['USER', 'PASS', 'APOP', 'STAT', 'LIST', 'RETR', 'DELE', 'NOOP', 'RSET', 'QUIT', 'TOP', 'UIDL', 'CAPA', 'STLS', 'AUTH', 'UTF8'].map(ascii);
const OK = ascii('+OK');
const ERR = ascii('-ERR');
/** RFC 2449: a command line is at most 255 octets, a first reply line 512. */
const MAX_LINE = 512;

function probePop3(toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  const eol = lineEnd(buf, off, len);
  if (eol < 0) return len > MAX_LINE ? Probe.NoMatch : Probe.NeedMore;
  if (toServer) {
    for (let i = 0; i < COMMANDS.length; i++) {
      const c = COMMANDS[i]!;
      if (!startsWith(buf, off, eol, c, true)) continue;
      const next = eol > c.length ? buf[off + c.length]! : 0x0d;
      if (next === 0x20 || next === 0x0d || next === 0x0a) return Probe.Match;
    }
    return Probe.NoMatch;
  }
  return startsWith(buf, off, eol, OK) || startsWith(buf, off, eol, ERR) ? Probe.Match : Probe.NoMatch;
}

export const pop3Protocol: AppLayerProtoDef = {
  proto: AppProto.Pop3,
  tcp: true,
  udp: false,
  ports: [110],
  patterns: [],
  probe: probePop3,
  firstDataToServer: false,
};
