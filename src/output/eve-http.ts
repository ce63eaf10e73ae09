/**
 * EVE `http` records (event_type "http", Suricata's eve-log http type with `extended: yes`,
 * on by default as in suricata.yaml) and the `http` object of alerts on HTTP transactions
 * (src/output-json-http.c: EveHttpLogJSONBasic + EveHttpLogJSONExtended):
 *
 *   {"timestamp", "flow_id", "pcap_cnt", "event_type":"http", "src_ip", "src_port", "dest_ip",
 *    "dest_port", "proto", "ip_v", "pkt_src", "tx_id", "http":{hostname, url, http_user_agent,
 *    http_content_type, http_refer, http_method, protocol, status, redirect, length}}
 *
 * A transaction is logged once, when both its request and its response are complete, or at
 * flow end (incomplete ones too, as Suricata's logger does on flow timeout). The record is
 * oriented client → server. Building a record allocates strings, once per transaction.
 */
import type { PacketView } from '../decode/packet-view.js';
import { STREAM_PSEUDO } from '../decode/packet-view.js';
import type { LineWriter } from '../detect/alert-sink.js';
import type { AppLayer } from '../applayer/app-layer.js';
import { AppProto } from '../applayer/app-proto.js';
import type { HttpParser } from '../applayer/http/http-parser.js';
import { HttpBuf } from '../applayer/http/http-buffers.js';
import { HttpProgress, TxDone, type HttpTx } from '../applayer/http/http-tx.js';
import { formatFlowAddresses } from '../flow/flow-report.js';
import type { FlowTable } from '../flow/flow-table.js';
import type { PacketOutput } from '../pipeline/stages.js';
import { formatEveTimestamp } from './eve-timestamp.js';

/** A buffer as a JSON string literal (latin1 bytes; JSON.stringify escapes controls). */
function str(tx: HttpTx, id: number): string | null {
  const t = tx.text(id);
  return t === undefined ? null : JSON.stringify(t);
}

/** Suricata's `http` object of a transaction (`{...}` text). */
export function formatHttpObject(tx: HttpTx): string {
  const parts: string[] = [];
  const host = str(tx, HttpBuf.Host);
  if (host !== null) parts.push(`"hostname":${host}`);
  const url = str(tx, HttpBuf.UriRaw);
  if (url !== null) parts.push(`"url":${url}`);
  const ua = str(tx, HttpBuf.UserAgent);
  if (ua !== null) parts.push(`"http_user_agent":${ua}`);
  const ct = tx.text(HttpBuf.ResponseContentType);
  if (ct !== undefined) {
    // Suricata logs the media type only (up to the first ';').
    const semi = ct.indexOf(';');
    parts.push(`"http_content_type":${JSON.stringify(semi >= 0 ? ct.slice(0, semi) : ct)}`);
  }
  const ref = str(tx, HttpBuf.Referer);
  if (ref !== null) parts.push(`"http_refer":${ref}`);
  const method = str(tx, HttpBuf.Method);
  if (method !== null) parts.push(`"http_method":${method}`);
  const proto = str(tx, HttpBuf.RequestProtocol);
  if (proto !== null) parts.push(`"protocol":${proto}`);
  const code = tx.text(HttpBuf.StatCode);
  if (code !== undefined) {
    const n = /^\d{3}$/.test(code) ? Number(code) : NaN;
    parts.push(Number.isNaN(n) ? `"status_string":${JSON.stringify(code)}` : `"status":${n}`);
  }
  const loc = str(tx, HttpBuf.Location);
  if (loc !== null) parts.push(`"redirect":${loc}`);
  parts.push(`"length":${tx.res.bodySeen}`);
  return `{${parts.join(',')}}`;
}

export interface EveHttpOptions {
  /** Write pcap_cnt (replay). */
  pcapCnt?: boolean;
}

/** Writes the EVE http records of HTTP flows: per packet for completed txs, and at flow end. */
export class EveHttpLogger implements PacketOutput {
  /** Records written. */
  count = 0;
  private readonly parser: HttpParser | null;

  constructor(
    private readonly out: LineWriter,
    private readonly table: FlowTable,
    private readonly app: AppLayer,
    private readonly opts: EveHttpOptions = {},
  ) {
    this.parser = (app.parser(AppProto.Http) as HttpParser | undefined) ?? null;
    // Registered after the stream stage's listener: the flow's last data is parsed by then.
    table.addFlowEndListener((slot) => this.flush(slot));
  }

  write(p: PacketView): void {
    const slot = p.flowIndex;
    if (slot < 0 || this.parser === null || this.app.state.alproto[slot] !== AppProto.Http) return;
    this.logReady(p, slot, false);
  }

  private flush(slot: number): void {
    if (this.parser === null || this.app.state.alproto[slot] !== AppProto.Http) return;
    this.logReady(null, slot, true);
  }

  private logReady(p: PacketView | null, slot: number, all: boolean): void {
    const parser = this.parser!;
    const n = parser.txCount(slot);
    for (let i = 0; i < n; i++) {
      const tx = parser.getTx(slot, i);
      if (tx === undefined || (tx.done & TxDone.Logged) !== 0) continue;
      const complete = tx.req.progress === HttpProgress.Complete && tx.res.progress === HttpProgress.Complete;
      if (!complete && !(all && tx.req.progress > HttpProgress.NotStarted)) continue;
      this.out.write(this.format(p, slot, tx));
      this.count++;
      tx.markDone(TxDone.Logged);
    }
    // Release what detection and logging are both done with.
    const t0 = parser.getTx(slot, 0);
    if (t0 !== undefined) parser.markDone(slot, t0, 0);
  }

  private format(p: PacketView | null, slot: number, tx: HttpTx): string {
    const t = this.table;
    const a = formatFlowAddresses(t, slot, 'full');
    const sec = p !== null ? p.tsSec : t.lastSec[slot]!;
    const nsec = p !== null ? p.tsNsec : t.lastNsec[slot]!;
    let s = `{"timestamp":"${formatEveTimestamp(sec, nsec)}","flow_id":${t.flowId(slot)}`;
    if (p !== null && this.opts.pcapCnt === true && p.frameNo > 0) s += `,"pcap_cnt":${p.frameNo}`;
    s += `,"event_type":"http","src_ip":"${a.srcIp}","src_port":${a.srcPort},"dest_ip":"${a.destIp}","dest_port":${a.destPort}`;
    s += `,"proto":"${a.proto}","ip_v":${a.ipVersion}`;
    const pseudo = p === null || (p.streamFlags & STREAM_PSEUDO) !== 0;
    s += `,"pkt_src":"${pseudo ? 'stream (flow timeout)' : 'wire/pcap'}"`;
    s += `,"tx_id":${tx.id},"http":${formatHttpObject(tx)}`;
    return s + '}';
  }
}
