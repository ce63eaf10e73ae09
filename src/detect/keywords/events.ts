/**
 * Event keywords (Suricata's detect-engine-event.c and detect-app-layer-event.c):
 *   decode-event:<layer>.<event>   decoder events; the "decoder." prefix is optional
 *   stream-event:<event>           stream events ("stream." prefix optional)
 *   app-layer-event:<event>        app-layer events (generic names or <proto>.<event>)
 *   engine-event:<full name>       either, by full name ("decoder.…" or "stream.…")
 * Each resolves to an id of the one packet-event id space (decode/decode-events.ts) through
 * the name tables of decode/event-names.ts (stream and app-layer stages register theirs there),
 * and matches when the packet carries that event (p.events).
 */
import { eventIdOf, type EventLayer } from '../../decode/event-names.js';
import type { PacketView } from '../../decode/packet-view.js';
import { RuleError } from '../rule-error.js';

// Re-exported for whoever builds the stages (the stages themselves import it from decode/).
export { registerEventNames } from '../../decode/event-names.js';

// Suricata accepts these older stream event spellings.
const STREAM_ALIASES: Readonly<Record<string, string>> = {
  est_synack_resend_with_different_ack: 'est_synack_resend_with_diff_ack',
  '3whs_synack_resend_with_different_ack': '3whs_synack_resend_with_diff_ack',
};

function unknown(keyword: string, name: string): RuleError {
  return new RuleError(`${keyword} '${name}' is not an event Suricata knows`, `unsupported ${keyword} '${name}'`);
}

/** Parse the value of decode-event / stream-event / app-layer-event / engine-event. */
export function parseEventKeyword(keyword: 'decode-event' | 'stream-event' | 'app-layer-event' | 'engine-event', raw: string): number {
  const t = raw.trim().toLowerCase();
  if (!/^[a-z0-9_.]+$/.test(t)) throw unknown(keyword, t);
  let layer: EventLayer;
  let name: string;
  if (keyword === 'decode-event') {
    layer = 'decode';
    name = t.startsWith('decoder.') ? t.slice(8) : t;
  } else if (keyword === 'stream-event') {
    layer = 'stream';
    name = t.startsWith('stream.') ? t.slice(7) : t;
    name = STREAM_ALIASES[name] ?? name;
  } else if (keyword === 'app-layer-event') {
    layer = 'applayer';
    name = t;
  } else if (t.startsWith('decoder.')) {
    layer = 'decode';
    name = t.slice(8);
  } else if (t.startsWith('stream.')) {
    layer = 'stream';
    name = t.slice(7);
  } else {
    throw unknown(keyword, t);
  }
  const id = eventIdOf(layer, name);
  if (id < 0) throw unknown(keyword, t);
  return id;
}

/** Does the packet carry event `id`? */
export function matchEvent(id: number, p: PacketView): boolean {
  const ev = p.events;
  for (let i = 0; i < p.eventCount; i++) if (ev[i] === id) return true;
  return false;
}
