/**
 * EVE `dns`, `tls` and `ssh` records (Suricata's default eve-log types dns, tls, ssh) and the
 * protocol objects of alerts.
 *
 *  dns  one record per transaction with a question (dnsTxLogged), version 3 format
 *       (rust/src/dns/log.rs), written on the packet that carried it, oriented as that packet
 *       (a response from the server to the client);
 *  tls  one record per flow, once the handshake got far enough to log (tlsEveLoggable: a
 *       server certificate, a resumed session or both sides encrypted), else at flow end;
 *       ja3/ja3s/ja4 only when fingerprints are on (a rule uses them, as Suricata computes
 *       them only then, or the configuration asks);
 *  ssh  one record per flow once both sides switched keys, else at flow end when a banner
 *       was seen; hassh only when on.
 * With applayer anomalies on (eve.anomaly), each DNS/TLS/SSH parser event is also an `anomaly`
 * record (type applayer, layer proto_parser, app_proto, tx_id), as Suricata's anomaly logger
 * writes transaction events.
 * TLS and SSH records are oriented client → server. Building a record allocates strings,
 * once per transaction or flow.
 */
import type { PacketView } from '../decode/packet-view.js';
import { STREAM_PSEUDO } from '../decode/packet-view.js';
import type { LineWriter } from '../detect/alert-sink.js';
import type { AppLayer } from '../applayer/app-layer.js';
import { AppProto } from '../applayer/app-proto.js';
import { TxDone, type AppTx } from '../applayer/app-tx.js';
import type { DnsParser, DnsTxView } from '../applayer/dns/dns-parser.js';
import { dnsTxEve, dnsTxLogged } from '../applayer/dns/dns-eve.js';
import type { TlsParser, TlsTxView } from '../applayer/tls/tls-parser.js';
import { tlsEve, tlsEveLoggable } from '../applayer/tls/tls-eve.js';
import type { SshParser, SshTxView } from '../applayer/ssh/ssh-parser.js';
import { sshEve } from '../applayer/ssh/ssh-eve.js';
import { formatFlowAddresses } from '../flow/flow-report.js';
import type { FlowTable } from '../flow/flow-table.js';
import type { PacketOutput } from '../pipeline/stages.js';
import { formatEveTimestamp } from './eve-timestamp.js';

export interface EveAppOptions {
  dns?: boolean;
  tls?: boolean;
  ssh?: boolean;
  /** ja3/ja3s/ja4 in tls objects. */
  fingerprints?: boolean;
  /** hassh in ssh objects. */
  hassh?: boolean;
  /** Parser events as EVE anomaly records (eve.anomaly with the applayer type). */
  anomalies?: boolean;
  pcapCnt?: boolean;
}

/** The protocol object an alert on `tx` (or, for TLS/SSH, on the flow) carries: `,"dns":{...}` or "". */
export function eveAlertAppObject(tx: AppTx | null, app: AppLayer | null, slot: number, opts: EveAppOptions = {}): string {
  if (tx !== null) {
    if (tx.alproto === AppProto.Dns) return `,"dns":${JSON.stringify(dnsTxEve((tx as DnsTxView).tx))}`;
    if (tx.alproto === AppProto.Tls) return `,"tls":${JSON.stringify(tlsEve((tx as TlsTxView).state, { fingerprints: opts.fingerprints === true }))}`;
    if (tx.alproto === AppProto.Ssh) return `,"ssh":${JSON.stringify(sshEve((tx as SshTxView).state, { hassh: opts.hassh === true }))}`;
    return '';
  }
  if (app === null || slot < 0) return '';
  // Suricata adds the flow's TLS or SSH state to any alert on such a flow.
  const proto = app.state.alproto[slot];
  if (proto === AppProto.Tls) {
    const s = (app.parser(AppProto.Tls) as TlsParser | undefined)?.state(slot);
    if (s !== undefined && (s.clientHelloDone || s.serverHelloDone)) return `,"tls":${JSON.stringify(tlsEve(s, { fingerprints: opts.fingerprints === true }))}`;
  } else if (proto === AppProto.Ssh) {
    const s = (app.parser(AppProto.Ssh) as SshParser | undefined)?.state(slot);
    if (s !== undefined && (s.bannerDone(true) || s.bannerDone(false))) return `,"ssh":${JSON.stringify(sshEve(s, { hassh: opts.hassh === true }))}`;
  }
  return '';
}

export class EveAppLogger implements PacketOutput {
  /** Records written, by type. */
  dnsCount = 0;
  tlsCount = 0;
  sshCount = 0;
  anomalyCount = 0;
  private readonly dns: DnsParser | null;
  private readonly tls: TlsParser | null;
  private readonly ssh: SshParser | null;

  constructor(
    private readonly out: LineWriter,
    private readonly table: FlowTable,
    private readonly app: AppLayer,
    /** Mutable: fingerprints/hassh follow the loaded rules (set on every build). */
    readonly opts: EveAppOptions = {},
  ) {
    const an = opts.anomalies === true;
    this.dns = opts.dns !== false || an ? ((app.parser(AppProto.Dns) as DnsParser | undefined) ?? null) : null;
    this.tls = opts.tls !== false || an ? ((app.parser(AppProto.Tls) as TlsParser | undefined) ?? null) : null;
    this.ssh = opts.ssh !== false || an ? ((app.parser(AppProto.Ssh) as SshParser | undefined) ?? null) : null;
    // DNS transactions wait for their record before they are freed.
    if (this.dns !== null) this.dns.releaseMask |= TxDone.Logged;
    // Registered after the stream stage's listener: the flow's last data is parsed by then.
    table.addFlowEndListener((slot) => this.flush(slot));
  }

  write(p: PacketView): void {
    const slot = p.flowIndex;
    if (slot < 0) return;
    const proto = this.app.state.alproto[slot];
    if (proto === AppProto.Dns) this.logDns(p, slot);
    else if (proto === AppProto.Tls) this.logTls(p, slot, false);
    else if (proto === AppProto.Ssh) this.logSsh(p, slot, false);
  }

  private flush(slot: number): void {
    const proto = this.app.state.alproto[slot];
    if (proto === AppProto.Dns) this.logDns(null, slot);
    else if (proto === AppProto.Tls) this.logTls(null, slot, true);
    else if (proto === AppProto.Ssh) this.logSsh(null, slot, true);
  }

  private logDns(p: PacketView | null, slot: number): void {
    const parser = this.dns;
    if (parser === null) return;
    const n = parser.txCount(slot);
    for (let i = 0; i < n; i++) {
      const tx = parser.getTx(slot, i)!;
      if ((tx.done & TxDone.Logged) !== 0) continue;
      tx.done |= TxDone.Logged;
      // Requests go client → server, responses server → client (the packet's way).
      if (this.opts.anomalies === true) for (const e of tx.tx.events) this.anomaly(p, slot, !tx.request, 'dns', e, tx.id);
      if (this.opts.dns === false || !dnsTxLogged(tx.tx)) continue;
      this.out.write(this.header(p, slot, 'dns', !tx.request) + `,"dns":${JSON.stringify(dnsTxEve(tx.tx))}}`);
      this.dnsCount++;
    }
    const t0 = parser.getTx(slot, 0);
    if (t0 !== undefined) parser.markDone(slot, t0, 0);
  }

  private logTls(p: PacketView | null, slot: number, end: boolean): void {
    const v = this.tls?.getTx(slot, 0);
    if (v === undefined) return;
    const s = v.state;
    if (this.opts.anomalies === true) while (v.eventsLogged < s.events.length) this.anomaly(p, slot, false, 'tls', s.events[v.eventsLogged++]!, 0);
    if (this.opts.tls === false || (v.done & TxDone.Logged) !== 0) return;
    if (!tlsEveLoggable(s) && !(end && (s.clientHelloDone || s.serverHelloDone))) return;
    v.done |= TxDone.Logged;
    this.out.write(this.header(p, slot, 'tls', false) + `,"tls":${JSON.stringify(tlsEve(s, { fingerprints: this.opts.fingerprints === true }))}}`);
    this.tlsCount++;
  }

  private logSsh(p: PacketView | null, slot: number, end: boolean): void {
    const v = this.ssh?.getTx(slot, 0);
    if (v === undefined) return;
    const s = v.state;
    if (this.opts.anomalies === true) while (v.eventsLogged < s.events.length) this.anomaly(p, slot, false, 'ssh', s.events[v.eventsLogged++]!, 0);
    if (this.opts.ssh === false || (v.done & TxDone.Logged) !== 0) return;
    if (!s.finished && !(end && (s.bannerDone(true) || s.bannerDone(false)))) return;
    v.done |= TxDone.Logged;
    this.out.write(this.header(p, slot, 'ssh', false) + `,"ssh":${JSON.stringify(sshEve(s, { hassh: this.opts.hassh === true }))}}`);
    this.sshCount++;
  }

  /** One parser event as an EVE anomaly record (output-json-anomaly.c AnomalyAppLayerDecoderEventJson). */
  private anomaly(p: PacketView | null, slot: number, reverse: boolean, proto: string, event: string, txId: number): void {
    this.out.write(this.header(p, slot, 'anomaly', reverse) + `,"tx_id":${txId},"anomaly":{"app_proto":"${proto}","type":"applayer","event":${JSON.stringify(event)},"layer":"proto_parser"}}`);
    this.anomalyCount++;
  }

  /** The record up to its protocol object (no closing brace). */
  private header(p: PacketView | null, slot: number, type: string, reverse: boolean): string {
    const t = this.table;
    const a = formatFlowAddresses(t, slot, 'full');
    const sec = p !== null ? p.tsSec : t.lastSec[slot]!;
    const nsec = p !== null ? p.tsNsec : t.lastNsec[slot]!;
    let s = `{"timestamp":"${formatEveTimestamp(sec, nsec)}","flow_id":${t.flowId(slot)}`;
    if (p !== null && this.opts.pcapCnt === true && p.frameNo > 0) s += `,"pcap_cnt":${p.frameNo}`;
    s += `,"event_type":"${type}"`;
    s += reverse
      ? `,"src_ip":"${a.destIp}","src_port":${a.destPort},"dest_ip":"${a.srcIp}","dest_port":${a.srcPort}`
      : `,"src_ip":"${a.srcIp}","src_port":${a.srcPort},"dest_ip":"${a.destIp}","dest_port":${a.destPort}`;
    s += `,"proto":"${a.proto}","ip_v":${a.ipVersion}`;
    const pseudo = p === null || (p.streamFlags & STREAM_PSEUDO) !== 0;
    s += `,"pkt_src":"${pseudo ? 'stream (flow timeout)' : 'wire/pcap'}"`;
    return s;
  }
}
