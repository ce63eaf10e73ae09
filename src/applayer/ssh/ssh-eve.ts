/**
 * The EVE `ssh` object (rust/src/ssh/logger.rs): `client` and `server`, each with proto_version,
 * software_version and, when hassh is enabled, hassh{hash,string}. A side appears once its
 * banner is done.
 */
import type { SshSide, SshState } from './ssh-state.js';

export interface SshEveOptions {
  /** hassh is off by default in Suricata (`app-layer.protocols.ssh.hassh`). */
  hassh?: boolean;
}

function side(s: SshSide, hassh: boolean): Record<string, unknown> | null {
  if (s.protoVersion === null) return null;
  const o: Record<string, unknown> = { proto_version: s.protoVersion, software_version: s.softwareVersion };
  if (hassh && s.hassh !== null) o.hassh = { hash: s.hassh.hash, string: s.hassh.string };
  return o;
}

export function sshEve(s: SshState, opts: SshEveOptions = {}): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const hassh = opts.hassh === true;
  const c = side(s.client, hassh);
  if (c !== null) o.client = c;
  const sv = side(s.server, hassh);
  if (sv !== null) o.server = sv;
  return o;
}
