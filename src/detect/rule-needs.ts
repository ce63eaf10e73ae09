/**
 * Which loaded rules need a pipeline stage that the configuration turned off: a rule with a
 * flow state keyword (flow:established, to_server...), flowbits or stream_size never matches
 * without the flow table, and a stream-only rule never matches without TCP reassembly. The
 * rules still load (Suricata's behaviour with such a config too); the start warns, naming a few.
 */
import { FlowFlag, SigFlag, type Rule } from './rule.js';

const FLOW_STATE =
  FlowFlag.ToServer | FlowFlag.ToClient | FlowFlag.Established | FlowFlag.NotEstablished | FlowFlag.OnlyStream | FlowFlag.NoStream;

export function needsFlowTable(r: Rule): boolean {
  return (r.flow & FLOW_STATE) !== 0 || r.flowbitChecks.length > 0 || r.flowbitActions.length > 0 || r.streamSize !== null;
}

export function needsStream(r: Rule): boolean {
  return (r.flow & FlowFlag.OnlyStream) !== 0 || (r.sigFlags & SigFlag.OnlyStream) !== 0;
}

function sids(rules: Rule[]): string {
  const shown = rules.slice(0, 5).map((r) => r.sid).join(', ');
  return rules.length > 5 ? `${shown}, ...` : shown;
}

/** Warnings for rules whose stage is off (empty when every stage they need is on). */
export function stageNeedWarnings(rules: readonly Rule[], on: { flows: boolean; stream: boolean }): string[] {
  const out: string[] = [];
  if (!on.flows) {
    const need = rules.filter(needsFlowTable);
    if (need.length > 0) {
      out.push(
        `${need.length} loaded rule${need.length === 1 ? ' needs' : 's need'} flow tracking (flow:established/to_server, flowbits, stream_size) but flows are off: they can never match (sid ${sids(need)}); remove 'flows: false' to track flows`,
      );
    }
  } else if (!on.stream) {
    const need = rules.filter(needsStream);
    if (need.length > 0) {
      out.push(`${need.length} loaded rule${need.length === 1 ? ' inspects' : 's inspect'} only the reassembled TCP stream but 'stream: false' turned reassembly off: they can never match (sid ${sids(need)})`);
    }
  }
  return out;
}
