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

export const APP_LAYER_EVENT_NAMES: readonly string[] = [
  'applayer_mismatch_protocol_both_directions',
  'applayer_wrong_direction_first_data',
  'applayer_detect_protocol_only_one_direction',
  'applayer_proto_detection_skipped',
  'applayer_no_tls_after_starttls',
  'applayer_unexpected_protocol',
];

/** Event id of a generic app-layer event name (case-insensitive), undefined if not one. */
export function appLayerEventByName(name: string): number | undefined {
  const i = APP_LAYER_EVENT_NAMES.indexOf(name.toLowerCase());
  return i < 0 ? undefined : i;
}
