/**
 * Environment (`MIRRORSINK_*`) and command-line overrides, as key paths into the configuration
 * document with the text of where they came from. They are merged into the file's document
 * before validation, so one validator checks them all and problems name the variable or flag.
 * Precedence: flag > environment > file.
 */
import type { KeyPath } from './problems.js';

export interface Override {
  path: KeyPath;
  value: unknown;
  /** `environment variable MIRRORSINK_HTTP_PORT`, `--http-port`. */
  origin: string;
}

type Kind = 'string' | 'list' | 'port-or-off';

/** Every environment variable read, with the key it sets. Documented in examples/mirrorsink.yaml. */
export const ENV_VARS: readonly { name: string; path: KeyPath; kind: Kind }[] = [
  { name: 'MIRRORSINK_BIND', path: ['listen', 'bind'], kind: 'list' },
  { name: 'MIRRORSINK_VXLAN_PORT', path: ['listen', 'vxlan_port'], kind: 'string' },
  { name: 'MIRRORSINK_GENEVE_PORT', path: ['listen', 'geneve_port'], kind: 'port-or-off' },
  { name: 'MIRRORSINK_RECEIVE_BUFFER_BYTES', path: ['listen', 'receive_buffer_bytes'], kind: 'string' },
  { name: 'MIRRORSINK_RECEIVER', path: ['listen', 'receiver'], kind: 'string' },
  { name: 'MIRRORSINK_HTTP_PORT', path: ['http', 'port'], kind: 'string' },
  { name: 'MIRRORSINK_HTTP_BIND', path: ['http', 'bind'], kind: 'string' },
  { name: 'MIRRORSINK_RELOAD_TOKEN', path: ['http', 'reload_token'], kind: 'string' },
  { name: 'MIRRORSINK_LOG_LEVEL', path: ['log_level'], kind: 'string' },
  { name: 'MIRRORSINK_UNKNOWN_VNI', path: ['unknown_vni'], kind: 'string' },
  { name: 'MIRRORSINK_ALLOWED_SENDERS', path: ['allowed_senders'], kind: 'list' },
  { name: 'MIRRORSINK_RULES', path: ['rules', 'files'], kind: 'list' },
  { name: 'MIRRORSINK_EVE', path: ['eve', 'path'], kind: 'string' },
  { name: 'MIRRORSINK_INTERFACE', path: ['capture', 'interface'], kind: 'string' },
  { name: 'MIRRORSINK_CAPTURE_FILTER', path: ['capture', 'filter'], kind: 'string' },
  { name: 'MIRRORSINK_WORKERS', path: ['workers'], kind: 'string' },
];

/** The config file named by the environment (MIRRORSINK_CONFIG), if any. */
export const ENV_CONFIG = 'MIRRORSINK_CONFIG';

function convert(raw: string, kind: Kind): unknown {
  if (kind === 'list') return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (kind === 'port-or-off' && ['off', 'none', 'false', 'no', 'disabled'].includes(raw.trim().toLowerCase())) return false;
  return raw;
}

export function envOverrides(env: NodeJS.ProcessEnv): Override[] {
  const out: Override[] = [];
  for (const v of ENV_VARS) {
    const raw = env[v.name];
    if (raw === undefined || raw === '') continue;
    out.push({ path: v.path, value: convert(raw, v.kind), origin: `environment variable ${v.name}` });
  }
  return out;
}

/** `serve` flags that map onto configuration keys (see src/cli/commands/serve.ts). */
export interface ServeFlags {
  bind?: string[];
  vxlanPort?: string;
  genevePort?: string;
  noGeneve?: boolean;
  receiveBuffer?: string;
  receiver?: string;
  httpPort?: string;
  httpBind?: string;
  rules?: string[];
  eve?: string;
  interface?: string;
  captureFilter?: string;
  capturePlain?: boolean;
  logLevel?: string;
  unknownVni?: string;
  workers?: string;
}

export function cliOverrides(f: ServeFlags): Override[] {
  const out: Override[] = [];
  const add = (path: KeyPath, value: unknown, flag: string) => {
    if (value !== undefined) out.push({ path, value, origin: flag });
  };
  add(['listen', 'bind'], f.bind, '--bind');
  add(['listen', 'vxlan_port'], f.vxlanPort, '--vxlan-port');
  if (f.noGeneve === true) add(['listen', 'geneve_port'], false, '--no-geneve');
  else add(['listen', 'geneve_port'], f.genevePort, '--geneve-port');
  add(['listen', 'receive_buffer_bytes'], f.receiveBuffer, '--receive-buffer');
  add(['listen', 'receiver'], f.receiver, '--receiver');
  add(['http', 'port'], f.httpPort, '--http-port');
  add(['http', 'bind'], f.httpBind, '--http-bind');
  add(['rules', 'files'], f.rules, '--rules');
  add(['eve', 'path'], f.eve, '--eve');
  add(['capture', 'interface'], f.interface, '--interface');
  add(['capture', 'filter'], f.captureFilter, '--capture-filter');
  if (f.capturePlain === true) add(['capture', 'plain'], true, '--capture-plain');
  add(['log_level'], f.logLevel, '--log-level');
  add(['unknown_vni'], f.unknownVni, '--unknown-vni');
  add(['workers'], f.workers, '--workers');
  return out;
}
