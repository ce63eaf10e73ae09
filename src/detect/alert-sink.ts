/**
 * Where the engine sends alerts: EVE (output/eve-alert.ts), fast.log (output/fast-log.ts),
 * tests. Called once per alert that survived pass/noalert/threshold, in alert order. An
 * implementation may allocate (building the record) but must not keep `p`: the view is
 * reused for the next packet.
 */
import type { PacketView } from '../decode/packet-view.js';
import type { Rule } from './rule.js';
import type { AppTx } from '../applayer/app-tx.js';

export interface AlertSink {
  /**
   * `tx`: the app-layer transaction a tx rule matched (EVE adds tx_id and its protocol's object).
   * `streamMatch`: the rule's payload keywords matched stream data, not the packet payload
   * (Suricata's PACKET_ALERT_FLAG_STREAM_MATCH; tx matches count as such, as its STATE_MATCH
   * does); EVE logs that data as the alert's payload.
   */
  alert(p: PacketView, rule: Rule, tx?: AppTx | null, streamMatch?: boolean): void;
}

/** One line (without the newline) to an output. EveWriter implements it; tests use arrays. */
export interface LineWriter {
  write(line: string): void;
}
