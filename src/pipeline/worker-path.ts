/**
 * Which way packets would reach N worker threads in `serve` (issue 15), and why: printed by
 * `serve --check`. The rule, from what the bundled captures show (test/pipeline/outer-affinity):
 *
 *  - reuseport: every worker opens its own SO_REUSEPORT socket and the kernel spreads datagrams
 *    by a hash of the OUTER 4-tuple. That keeps a flow on one worker only because AWS's outer
 *    UDP source port is a symmetric hash of the inner flow and both directions of a flow
 *    mirrored from one ENI share the outer source address. So it needs: the native receiver
 *    (Node's dgram cannot set SO_REUSEPORT per worker), VXLAN from AWS Traffic Mirroring (a
 *    GWLB's GENEVE or another sender keeps no such port), and dedup off: when both ends of a
 *    conversation are mirrored, the two copies come from two ENIs (two outer sources) and must
 *    still meet on one worker.
 *  - dispatch: one receiving thread hashes the inner flow (decode/inner-flow-hash.ts, the
 *    session folded in unless dedup is on) and hands datagrams to workers over
 *    SharedArrayBuffer rings (pipeline/frame-ring.ts), as replay --workers does.
 *  - single: one thread runs everything (workers: 1, or live capture through libpcap).
 */


export type WorkerPath = 'single' | 'reuseport' | 'dispatch';

export interface WorkerPathInput {
  workers: number;
  /** How datagrams are read: the native recvmmsg receiver, Node's dgram, or libpcap (--interface). */
  receiver: 'recvmmsg' | 'dgram' | 'pcap';
  /** A GENEVE port is open (GWLB: no symmetric outer source port). */
  geneve: boolean;
  /** dedup.enabled: both mirror copies of a packet must meet on one worker. */
  dedup: boolean;
  /** The native addon can open SO_REUSEPORT sockets. */
  reusePort: boolean;
}

export function chooseWorkerPath(i: WorkerPathInput): { path: WorkerPath; reason: string } {
  if (i.workers <= 1) return { path: 'single', reason: 'one worker' };
  if (i.receiver === 'pcap') return { path: 'single', reason: 'live capture (--interface) has one libpcap handle' };
  const why: string[] = [];
  if (i.receiver !== 'recvmmsg') why.push("Node's dgram receiver (no per-worker SO_REUSEPORT socket)");
  else if (!i.reusePort) why.push('the native receiver cannot open SO_REUSEPORT sockets');
  if (i.geneve) why.push('GENEVE is open (a GWLB sends no symmetric outer source port)');
  if (i.dedup) why.push('dedup is on (both copies of a packet come from two ENIs, two outer sources)');
  if (why.length > 0) return { path: 'dispatch', reason: `one receiver dispatches by the inner-flow hash: ${why.join('; ')}` };
  return { path: 'reuseport', reason: "SO_REUSEPORT per worker: AWS's outer source port is a symmetric hash of the inner flow" };
}
