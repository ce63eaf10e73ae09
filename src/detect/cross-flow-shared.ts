/**
 * Detection state that spans flows (threshold / detection_filter counts by host or rule, xbits
 * and hostbits by host or IP pair), in SharedArrayBuffers, for pipeline threads that each hold
 * their own flows (serve's workers, replay --workers). One is made per rule set: a reload starts
 * from empty state, as a single thread's new engine does.
 */
import { createThresholdShared, type ThresholdShared } from './threshold.js';
import { createXbitShared, type XbitShared } from './xbits.js';

export interface CrossFlowShared {
  thresholds: ThresholdShared;
  xbits: XbitShared;
}

export function createCrossFlowShared(): CrossFlowShared {
  return { thresholds: createThresholdShared(), xbits: createXbitShared() };
}
