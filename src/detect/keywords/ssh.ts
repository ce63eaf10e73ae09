/**
 * SSH keywords (src/detect-ssh-*.c, rust/src/ssh/detect.rs): ssh.proto / ssh.software sticky
 * buffers of either side, the hassh fingerprints, and the legacy value forms
 * ssh.protoversion:"2.0" (exact) and ssh.softwareversion:"OpenSSH" (prefix).
 */
import { AppProto } from '../../applayer/app-proto.js';
import { SSH_EVENT_NAMES, SshBuf, SshProgress } from '../../applayer/ssh/ssh-buffers.js';
import { both, tc, ts, type LegacyKeyword } from './app-keyword.js';
import type { AppBufDef } from './http.js';
import type { AppKeywordModule } from './app-buffers.js';

const P = AppProto.Ssh;
const B = SshProgress.Banner;
const K = SshProgress.Kex;
const PROTO = both(P, SshBuf.Proto, SshBuf.Proto + 1, B);
const SOFTWARE = both(P, SshBuf.Software, SshBuf.Software + 1, B);

export const SSH_STICKY: ReadonlyMap<string, AppBufDef> = new Map([
  ['ssh.proto', PROTO],
  ['ssh_proto', PROTO],
  ['ssh.software', SOFTWARE],
  ['ssh_software', SOFTWARE],
  ['ssh.hassh', ts(P, SshBuf.Hassh, K)],
  ['ssh.hassh.string', ts(P, SshBuf.HasshString, K)],
  ['ssh.hassh.server', tc(P, SshBuf.HasshServer, K)],
  ['ssh.hassh.server.string', tc(P, SshBuf.HasshServerString, K)],
]);

export const SSH_LEGACY: ReadonlyMap<string, LegacyKeyword> = new Map([
  ['ssh.protoversion', { def: PROTO, mode: 'exact' as const }],
  ['ssh.softwareversion', { def: SOFTWARE, mode: 'startswith' as const }],
]);

export const sshKeywords: AppKeywordModule = {
  alproto: P,
  names: ['ssh'],
  udp: false,
  sticky: SSH_STICKY,
  legacy: SSH_LEGACY,
  events: { def: both(P, SshBuf.Event, SshBuf.Event, B), names: SSH_EVENT_NAMES },
};
