/**
 * Per alert, the packets of the alert's flow (from the per-flow ring) as a pcap named by the
 * flow_id. An alert must never stop the pipeline: a failed write is counted and remembered for
 * the logs, not thrown.
 */
import { mkdirSync } from 'node:fs';
import { STREAM_PSEUDO, type PacketView } from '../decode/packet-view.js';
import type { AlertSink } from '../detect/alert-sink.js';
import type { FlowPacketRing } from './pcap-flow-ring.js';

export class AlertPcapSink implements AlertSink {
  written = 0;
  failed = 0;
  lastError: string | null = null;

  constructor(
    private readonly ring: FlowPacketRing,
    dir: string,
  ) {
    // Created when the stages are built, so a bad directory is a configuration error.
    mkdirSync(dir, { recursive: true });
  }

  alert(p: PacketView): void {
    if (p.flowIndex < 0) return;
    try {
      // A flow-end pseudo packet (stream stage) is no wire packet: not recorded.
      if (this.ring.dumpFlow(p.flowIndex, undefined, (p.streamFlags & STREAM_PSEUDO) !== 0 ? undefined : p) !== null) this.written++;
    } catch (err) {
      this.failed++;
      this.lastError = (err as Error).message;
    }
  }
}
