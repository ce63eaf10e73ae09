/**
 * Per-flow app-layer state, in typed arrays indexed by flow slot: the protocol per direction and
 * the final one (Suricata's alproto_ts / alproto_tc / alproto), detection flags, the flow's generic
 * app-layer events, and the global counters of the stage.
 */
import { APP_LAYER_EVENT_NAMES } from './app-layer-events.js';

/** Bits of AppLayerState.flags. */
export const AlFlag = {
  /** Some data was seen; FirstToServer says in which direction. */
  FirstSeen: 1,
  FirstToServer: 2,
  /** The app layer gave up on this flow (no more detection or parsing). */
  Disabled: 4,
  /** An async (one-sided) TCP session: only one direction is seen, so the protocol's
   *  required first-data direction cannot be checked. */
  OneSided: 8,
} as const;

export class AppLayerCounters {
  /** Flows whose protocol got known, by protocol id. */
  readonly detected = new Float64Array(256);
  /** Flows that ended detection as "failed". */
  failed = 0;
  /** Flows whose detection gave up on too much undecided data (applayer_proto_detection_skipped). */
  skipped = 0;
  /** Undecided bytes that found no free pending buffer (detection decided on less data). */
  pendingExhausted = 0;
  /** Gaps before the protocol was known (that direction's detection fails). */
  gapBeforeDetect = 0;
  /** Generic app-layer events raised, by event id. */
  readonly events = new Float64Array(APP_LAYER_EVENT_NAMES.length);
}

export class AppLayerState {
  readonly alprotoTs: Uint8Array;
  readonly alprotoTc: Uint8Array;
  /** The flow's protocol (Suricata f->alproto). */
  readonly alproto: Uint8Array;
  readonly flags: Uint8Array;
  /** Generic app-layer events raised on the flow, one bit per AppLayerEvent id. */
  readonly events: Uint8Array;
  /** Server and client port, for probing parsers (0: unknown, no port probing). */
  readonly serverPort: Uint16Array;
  readonly clientPort: Uint16Array;
  /** 1 for TCP (stream), 0 for UDP (datagrams). */
  readonly tcp: Uint8Array;

  constructor(readonly capacity: number) {
    this.alprotoTs = new Uint8Array(capacity);
    this.alprotoTc = new Uint8Array(capacity);
    this.alproto = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.events = new Uint8Array(capacity);
    this.serverPort = new Uint16Array(capacity);
    this.clientPort = new Uint16Array(capacity);
    this.tcp = new Uint8Array(capacity).fill(1);
  }

  clear(slot: number): void {
    this.alprotoTs[slot] = 0;
    this.alprotoTc[slot] = 0;
    this.alproto[slot] = 0;
    this.flags[slot] = 0;
    this.events[slot] = 0;
    this.serverPort[slot] = 0;
    this.clientPort[slot] = 0;
    this.tcp[slot] = 1;
  }

  hasEvent(slot: number, event: number): boolean {
    return (this.events[slot]! & (1 << event)) !== 0;
  }
}
