import { SURICATA_APPLAYER_EVENTS } from '../decode/event-names.js';

/**
 * Generic app-layer events, named as Suricata names them (src/app-layer-events.c), rule form
 * `app-layer-event:applayer_...`. They belong to the flow, not to a transaction.
 */
export const AppLayerEvent = {
  MismatchProtocolBothDirections: 0,
  WrongDirectionFirstData: 1,
  DetectProtocolOnlyOneDirection: 2,
  ProtoDetectionSkipped: 3,
  NoTlsAfterStarttls: 4,
  UnexpectedProtocol: 5,
} as const;
export type AppLayerEventId = (typeof AppLayerEvent)[keyof typeof AppLayerEvent];

/** Names in AppLayerEvent order: the one list of Suricata's generic app-layer events, which the
 *  event keywords also read (decode/event-names.ts). */
export const APP_LAYER_EVENT_NAMES: readonly string[] = SURICATA_APPLAYER_EVENTS;

/** Event id of a generic app-layer event name (case-insensitive), undefined if not one. */
export function appLayerEventByName(name: string): number | undefined {
  const i = APP_LAYER_EVENT_NAMES.indexOf(name.toLowerCase());
  return i < 0 ? undefined : i;
}
