/**
 * Detect's own per-flow state, in typed arrays indexed by flow slot and registered in the flow
 * table's FlowStorage so it is cleared when a flow ends: whether an alert fired on the flow
 * (EVE flow "alerted") and whether a pass rule passed it. Flowbits keep their own table
 * (flowbits.ts), keyed by slot and generation.
 *
 * The object outlives an engine: on a rule reload the new engine takes over the old one's
 * object, so outputs holding it (or finding it by name) keep reading the live state.
 */
import type { FlowStorage, FlowStorageClient } from '../flow/flow-storage.js';

export const DETECT_FLOW_STATE = 'detect';

/** What outputs read from detect about a flow (EVE flow records). */
export interface FlowAlerts {
  isAlerted(slot: number): boolean;
}

export class DetectFlowState implements FlowStorageClient, FlowAlerts {
  readonly name = DETECT_FLOW_STATE;
  /** 1 once an alert was logged on the flow. */
  readonly alerted: Uint8Array;
  /** 1 once a pass rule matched: later packets of the flow skip detection. */
  readonly passed: Uint8Array;
  /** 1 once detect saw the flow's app-layer protocol decided (app-layer-protocol "PD-only"
   *  rules match on the packet where that first shows). */
  readonly alprotoSeen: Uint8Array;

  constructor(capacity: number) {
    this.alerted = new Uint8Array(capacity);
    this.passed = new Uint8Array(capacity);
    this.alprotoSeen = new Uint8Array(capacity);
  }

  clear(slot: number): void {
    this.alerted[slot] = 0;
    this.passed[slot] = 0;
    this.alprotoSeen[slot] = 0;
  }

  isAlerted(slot: number): boolean {
    return this.alerted[slot] === 1;
  }
}

/** Detect's per-flow alert state registered in `storage`, or null when no engine runs on it. */
export function findFlowAlerts(storage: FlowStorage): FlowAlerts | null {
  const c = storage.find(DETECT_FLOW_STATE);
  return c instanceof DetectFlowState ? c : null;
}
