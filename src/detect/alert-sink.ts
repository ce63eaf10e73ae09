/**
 * Where the engine sends alerts: EVE (output/eve-alert.ts), fast.log (output/fast-log.ts),
 * tests. Called once per alert that survived pass/noalert/threshold, in alert order. An
 * implementation may allocate (building the record) but must not keep `p`: the view is
 * reused for the next packet.
 */
import type { PacketView } from '../decode/packet-view.js';
import type { Rule } from './rule.js';

export interface AlertSink {
  /**
   * `streamMatch`: the rule's payload keywords matched the stream window (p.streamBuf), not
   * the packet payload (Suricata's PACKET_ALERT_FLAG_STREAM_MATCH); EVE logs that window as
   * the alert's payload.
   */
  alert(p: PacketView, rule: Rule, streamMatch?: boolean): void;
}

/** One line (without the newline) to an output. EveWriter implements it; tests use arrays. */
export interface LineWriter {
  write(line: string): void;
}
