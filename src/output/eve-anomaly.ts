/**
 * EVE anomaly records (event_type "anomaly"), as Suricata's output-json-anomaly.c writes them:
 * one line per event on the packet, in the order raised, with the packet's EVE header and
 *
 *   "anomaly": {"type": "decode" | "stream" | "applayer", "event": <name>[, "layer": ...]}
 *
 * Decoder events are named "decoder.<layer>.<event>", stream events "stream.<event>"; app-layer
 * events carry their registered name and layer "proto_detect" (the generic applayer_* events)
 * or "proto_parser". Which types are written follows eve.anomaly.types (Suricata's default:
 * applayer only). The per-event part of the line is built once per event id and cached.
 */
import { eventFullName, eventLayerOf } from '../decode/event-names.js';
import { EVENT_ID_LIMIT } from '../decode/decode-events.js';
import type { PacketView } from '../decode/packet-view.js';
import type { LineWriter } from '../detect/alert-sink.js';
import { protoName } from '../flow/flow-report.js';
import type { PacketEventSink } from '../pipeline/stages.js';
import { eveDestPort, eveSrcPort, hasPorts, packetAddress, type EveFlowSource } from './eve-alert.js';
import { formatEveTimestamp } from './eve-timestamp.js';

export interface EveAnomalyTypes {
  decode: boolean;
  stream: boolean;
  applayer: boolean;
}

export interface EveAnomalyOptions {
  types: EveAnomalyTypes;
  flow?: EveFlowSource | null;
  /** Write pcap_cnt (p.frameNo). Default true. */
  pcapCnt?: boolean;
  pktSrc?: string;
}

export class EveAnomalySink implements PacketEventSink {
  /** Lines written. */
  count = 0;
  /** `,"anomaly":{...}}` per event id, built on first use ('' = not written). */
  private readonly tails = new Map<number, string>();
  private readonly pktSrc: string;

  constructor(
    private readonly out: LineWriter,
    private readonly opts: EveAnomalyOptions,
  ) {
    this.pktSrc = opts.pktSrc ?? 'wire/pcap';
  }

  onEvents(p: PacketView): void {
    let header: string | null = null;
    for (let i = 0; i < p.eventCount; i++) {
      const tail = this.tailOf(p.events[i]!);
      if (tail === '') continue;
      if (header === null) header = this.header(p);
      this.count++;
      this.out.write(header + tail);
    }
  }

  private tailOf(id: number): string {
    let t = this.tails.get(id);
    if (t !== undefined) return t;
    const layer = eventLayerOf(id);
    const name = id < EVENT_ID_LIMIT ? eventFullName(id) : null;
    const types = this.opts.types;
    if (!(layer === 'decode' ? types.decode : layer === 'stream' ? types.stream : types.applayer)) t = '';
    else if (name === null) t = `,"anomaly":{"type":"unknown","code":${id}}}`;
    else if (layer === 'applayer') {
      const where = name.startsWith('applayer_') ? 'proto_detect' : 'proto_parser';
      t = `,"anomaly":{"type":"applayer","event":${JSON.stringify(name)},"layer":"${where}"}}`;
    } else t = `,"anomaly":{"type":"${layer}","event":${JSON.stringify(name)}}}`;
    this.tails.set(id, t);
    return t;
  }

  /** Suricata's CreateEveHeader for a packet: the tuple only when the packet has an IP layer. */
  private header(p: PacketView): string {
    const flow = this.opts.flow ?? null;
    const slot = flow !== null ? p.flowIndex : -1;
    let s = `{"timestamp":"${formatEveTimestamp(p.tsSec, p.tsNsec)}"`;
    if (slot >= 0) s += `,"flow_id":${flow!.flowId(slot)}`;
    if (this.opts.pcapCnt !== false && p.frameNo > 0) s += `,"pcap_cnt":${p.frameNo}`;
    s += `,"event_type":"anomaly"`;
    if (p.ipVersion !== 0) {
      const ports = hasPorts(p);
      s += `,"src_ip":"${packetAddress(p, true)}"`;
      if (ports) s += `,"src_port":${eveSrcPort(p)}`;
      s += `,"dest_ip":"${packetAddress(p, false)}"`;
      if (ports) s += `,"dest_port":${eveDestPort(p)}`;
      s += `,"proto":"${protoName(p.ipProto)}","ip_v":${p.ipVersion}`;
    }
    return s + `,"pkt_src":"${this.pktSrc}"`;
  }
}
