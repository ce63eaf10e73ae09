/** SSH protocol detection: the `SSH-` pattern at the start of either direction (as Suricata registers it). */
export const SSH_PROBE_NO = 0;
export const SSH_PROBE_YES = 1;
export const SSH_PROBE_NEED_MORE = 2;

const PREFIX = [0x53, 0x53, 0x48, 0x2d];

export function probeSsh(buf: Uint8Array, off: number, len: number): number {
  const n = len < 4 ? len : 4;
  for (let i = 0; i < n; i++) if (buf[off + i] !== PREFIX[i]) return SSH_PROBE_NO;
  if (len === 0) return SSH_PROBE_NO;
  return len < 4 ? SSH_PROBE_NEED_MORE : SSH_PROBE_YES;
}
