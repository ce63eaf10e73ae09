/**
 * stream_size:<server|client|both|either>,<op>,<n> (src/detect-stream_size.c): compares the
 * bytes a side has sent on the TCP session, as next_seq - isn (so the SYN counts one), with
 * <, <=, =, !=, >=, >. "client" is the to_server stream, "server" the to_client one. A packet
 * without a TCP session does not match.
 */
import type { PacketView } from '../../decode/packet-view.js';
import { invalidValue } from '../rule-error.js';

export const StreamSizeSide = { Server: 0, Client: 1, Both: 2, Either: 3 } as const;
export const StreamSizeOp = { Lt: 0, Le: 1, Eq: 2, Ne: 3, Ge: 4, Gt: 5 } as const;

export interface StreamSizeCheck {
  side: number;
  op: number;
  value: number;
}

const SIDES: Record<string, number> = { server: 0, client: 1, both: 2, either: 3 };
const OPS: Record<string, number> = { '<': 0, '<=': 1, '=': 2, '!=': 3, '>=': 4, '>': 5 };

export function parseStreamSize(value: string): StreamSizeCheck {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length !== 3) throw invalidValue('stream_size', `expected 'side,operator,bytes', got '${value}'`);
  const side = SIDES[parts[0]!.toLowerCase()];
  if (side === undefined) throw invalidValue('stream_size', `unknown side '${parts[0]}' (server, client, both, either)`);
  const op = OPS[parts[1]!];
  if (op === undefined) throw invalidValue('stream_size', `unknown operator '${parts[1]}'`);
  if (!/^\d+$/.test(parts[2]!)) throw invalidValue('stream_size', `'${parts[2]}' is not a number`);
  const n = Number(parts[2]);
  if (n > 0xffffffff) throw invalidValue('stream_size', `${n} is too large`);
  return { side, op, value: n };
}

function cmp(op: number, a: number, b: number): boolean {
  switch (op) {
    case 0:
      return a < b;
    case 1:
      return a <= b;
    case 2:
      return a === b;
    case 3:
      return a !== b;
    case 4:
      return a >= b;
    default:
      return a > b;
  }
}

export function matchStreamSize(c: StreamSizeCheck, p: PacketView): boolean {
  const client = p.streamSizeToServer;
  const server = p.streamSizeToClient;
  if (client < 0 || server < 0) return false;
  switch (c.side) {
    case 0:
      return cmp(c.op, server, c.value);
    case 1:
      return cmp(c.op, client, c.value);
    case 2:
      return cmp(c.op, server, c.value) && cmp(c.op, client, c.value);
    default:
      return cmp(c.op, server, c.value) || cmp(c.op, client, c.value);
  }
}
