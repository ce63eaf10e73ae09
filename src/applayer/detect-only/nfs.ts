/**
 * NFS over ONC RPC (rust/src/nfs, nfs_probe / nfs_probe_udp; port 2049, TCP and UDP): a CALL
 * (RPC version 2, program 100003, NFS version 2..4) to the server, an accepted REPLY to the
 * client. Over TCP a 4-byte record mark comes first.
 */
import { AppProto } from '../app-proto.js';
import { Probe } from '../proto-pattern.js';
import type { AppLayerProtoDef } from '../registry.js';
import { u32be } from './bytes.js';

const NFS_PROGRAM = 100003;

/** The RPC message at `i` (after any record mark). */
function rpcNfs(toServer: boolean, buf: Uint8Array, i: number, avail: number): number {
  if (avail < (toServer ? 24 : 12)) return Probe.NeedMore;
  const type = u32be(buf, i + 4);
  if (toServer) {
    if (type !== 0 || u32be(buf, i + 8) !== 2 || u32be(buf, i + 12) !== NFS_PROGRAM) return Probe.NoMatch;
    const v = u32be(buf, i + 16);
    return v >= 2 && v <= 4 ? Probe.Match : Probe.NoMatch;
  }
  // REPLY, reply_stat MSG_ACCEPTED (0).
  return type === 1 && u32be(buf, i + 8) === 0 ? Probe.Match : Probe.NoMatch;
}

function probeNfs(toServer: boolean, buf: Uint8Array, off: number, len: number): number {
  if (len < 4) return Probe.NeedMore;
  // A TCP record mark has the last-fragment bit set and a plausible length; a UDP message starts
  // with its xid. Try the record-marked form first, then the bare message.
  const rm = u32be(buf, off);
  if (rm >= 0x80000000 && (rm & 0x7fffffff) >= 12 && (rm & 0x7fffffff) < 0x1000000) {
    const r = rpcNfs(toServer, buf, off + 4, len - 4);
    if (r !== Probe.NoMatch) return r;
  }
  return rpcNfs(toServer, buf, off, len);
}

export const nfsProtocol: AppLayerProtoDef = {
  proto: AppProto.Nfs,
  tcp: true,
  udp: true,
  ports: [2049],
  patterns: [],
  probe: probeNfs,
  firstDataToServer: false,
};
