/**
 * serve's state directory: where its default outputs go (EVE at STATE_DIR/eve.json) when the
 * configuration names none. MIRRORSINK_STATE_DIR, else systemd's STATE_DIRECTORY (StateDirectory=,
 * first entry), else /var/lib/mirrorsink (the image's volume, deploy/'s directory).
 */
import path from 'node:path';

export const DEFAULT_STATE_DIR = '/var/lib/mirrorsink';
export const ENV_STATE_DIR = 'MIRRORSINK_STATE_DIR';

export function stateDir(env: NodeJS.ProcessEnv, flag?: string): { dir: string; from: string } {
  if (flag !== undefined && flag !== '') return { dir: path.resolve(flag), from: '--state-dir' };
  const own = env[ENV_STATE_DIR];
  if (own !== undefined && own !== '') return { dir: path.resolve(own), from: `environment variable ${ENV_STATE_DIR}` };
  const systemd = env.STATE_DIRECTORY?.split(':')[0];
  if (systemd !== undefined && systemd !== '') return { dir: path.resolve(systemd), from: "systemd's STATE_DIRECTORY" };
  return { dir: DEFAULT_STATE_DIR, from: 'the default' };
}
