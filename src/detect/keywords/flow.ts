/**
 * flow keyword: direction and state of the packet within its flow.
 *
 *  - to_server / from_client: p.flowDirection === 1; to_client / from_server: === 2.
 *  - established: as Suricata. For TCP a packet counts as established when the session was
 *    already established before it (so the handshake's final ACK does not, the FIN and
 *    later packets do); for other protocols once both directions have been seen, the first
 *    reply included. The engine works out the "before this packet" part (engine.ts).
 *  - not_established: the opposite; stateless: any packet, with or without a flow.
 *  - only_stream / no_stream: decide what the rule's payload keywords inspect (the reassembled
 *    stream only / the packet only, see rule-parser.ts classifyStream and engine.ts); they do
 *    not restrict which packets match otherwise.
 *  - only_frag / no_frag: the packet is (not) a datagram rebuilt from fragments (src/defrag;
 *    Suricata's PKT_REBUILT_FRAGMENT).
 * A packet without a flow (no flow table, untracked fragment) matches only not_established
 * and stateless, as in Suricata where such a packet carries no flow flags.
 */
import { FlowFlag } from '../rule.js';
import { invalidValue } from '../rule-error.js';

export function parseFlow(value: string): number {
  let flags = 0;
  for (const raw of value.split(',')) {
    const w = raw.trim().toLowerCase();
    switch (w) {
      case 'to_server':
      case 'from_client':
        flags |= FlowFlag.ToServer;
        break;
      case 'to_client':
      case 'from_server':
        flags |= FlowFlag.ToClient;
        break;
      case 'established':
        flags |= FlowFlag.Established;
        break;
      case 'not_established':
        flags |= FlowFlag.NotEstablished;
        break;
      case 'stateless':
        flags |= FlowFlag.Stateless;
        break;
      case 'only_frag':
        flags |= FlowFlag.OnlyFrag;
        break;
      case 'no_frag':
        flags |= FlowFlag.NoFrag;
        break;
      case 'only_stream':
        flags |= FlowFlag.OnlyStream;
        break;
      case 'no_stream':
        flags |= FlowFlag.NoStream;
        break;
      default:
        throw invalidValue('flow', `unknown option '${raw.trim()}'`);
    }
  }
  if ((flags & FlowFlag.ToServer) !== 0 && (flags & FlowFlag.ToClient) !== 0) {
    throw invalidValue('flow', 'to_server and to_client together');
  }
  const stateBits = flags & (FlowFlag.Established | FlowFlag.NotEstablished | FlowFlag.Stateless);
  if (stateBits !== 0 && (stateBits & (stateBits - 1)) !== 0) {
    throw invalidValue('flow', 'established, not_established and stateless are exclusive');
  }
  if ((flags & FlowFlag.OnlyStream) !== 0 && (flags & FlowFlag.NoStream) !== 0) {
    throw invalidValue('flow', 'only_stream and no_stream together');
  }
  if ((flags & FlowFlag.OnlyFrag) !== 0 && (flags & FlowFlag.NoFrag) !== 0) {
    throw invalidValue('flow', 'only_frag and no_frag together');
  }
  return flags;
}

/**
 * @param direction p.flowDirection (0 = no flow)
 * @param established the packet counts as established (see file comment)
 */
export function matchFlow(flags: number, direction: number, established: boolean, rebuilt = false): boolean {
  if ((flags & FlowFlag.ToServer) !== 0 && direction !== 1) return false;
  if ((flags & FlowFlag.ToClient) !== 0 && direction !== 2) return false;
  if ((flags & FlowFlag.Established) !== 0 && !established) return false;
  if ((flags & FlowFlag.NotEstablished) !== 0 && established) return false;
  if ((flags & FlowFlag.OnlyFrag) !== 0 && !rebuilt) return false;
  if ((flags & FlowFlag.NoFrag) !== 0 && rebuilt) return false;
  return true;
}
