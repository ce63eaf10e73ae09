/**
 * app-layer-protocol:[!]<proto>[,<mode>] (src/detect-app-layer-protocol.c): the flow's detected
 * app-layer protocol is (or, negated, is not) <proto>. A flow whose protocol is not known yet
 * matches neither form (Suricata waits for detection); a flow where detection failed matches
 * the negated form. mirrorsink keeps one protocol per flow, so the modes final (default),
 * original, either, to_server, to_client, direction and exact all compare that one.
 */
import { AppProto, appProtoByName } from '../../applayer/app-proto.js';
import { invalidValue, unsupportedProtocol } from '../rule-error.js';

export class AlprotoCheck {
  constructor(
    readonly proto: number,
    readonly negated: boolean,
  ) {}
}

const MODES = new Set(['final', 'original', 'either', 'to_server', 'to_client', 'direction', 'exact']);

export function parseAppLayerProtocol(value: string): AlprotoCheck {
  const parts = value.split(',').map((s) => s.trim());
  let name = parts[0]!;
  let negated = false;
  if (name.startsWith('!')) {
    negated = true;
    name = name.slice(1).trim();
  }
  if (parts.length > 2) throw invalidValue('app-layer-protocol', `cannot parse '${value}'`);
  if (parts.length === 2 && !MODES.has(parts[1]!.toLowerCase())) throw invalidValue('app-layer-protocol', `unknown mode '${parts[1]}'`);
  if (name === '') throw invalidValue('app-layer-protocol', 'needs a protocol');
  const lower = name.toLowerCase();
  const id = lower === 'failed' ? AppProto.Failed : appProtoByName(lower);
  // A protocol this engine never detects: the rule could never do what it says.
  if (id === undefined) throw unsupportedProtocol(lower);
  return new AlprotoCheck(id, negated);
}

/** Does the flow's protocol `alproto` (AppProto id) satisfy the check? */
export function matchAlproto(c: AlprotoCheck, alproto: number): boolean {
  if (alproto === AppProto.Unknown) return false;
  return (alproto === c.proto) !== c.negated;
}
