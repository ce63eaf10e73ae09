/**
 * DNS in the app-layer framework: one DnsState per flow slot (made on the slot's first DNS
 * data, reused after), UDP datagrams (datagram) and TCP streams (parse/gap/end). The state's
 * transactions are taken over after each input as DnsTxView (applayer/app-tx.ts) for detection
 * and EVE, at most DNS_MAX_TXS per flow (the oldest is dropped and counted beyond that).
 * A DNS tx is complete when made: a request in the to-server direction, a response in the
 * to-client one; it is freed once detection inspected it (and EVE logged it when enabled).
 */
import { SlotTable } from '../slot-table.js';
import { AppProto } from '../app-proto.js';
import { AppTxBase, TxDone, type AppTx, type AppTxParser } from '../app-tx.js';
import type { AppLayerProtoParser } from '../parser.js';
import { DNS_EVENT_NAMES, DnsBuf } from './dns-buffers.js';
import { dnsAnswerNameBuffers, dnsQueryBuffers, dnsQueryNameBuffers, dnsResponseRrnameBuffers } from './dns-eve.js';
import { DNS_MAX_TXS, DnsState, type DnsTx } from './dns-state.js';

const EMPTY: readonly Uint8Array[] = [];

function latin1Bytes(names: string[]): Uint8Array[] {
  return names.map((n) => Uint8Array.from(Buffer.from(n, 'latin1')));
}

export class DnsTxView extends AppTxBase implements AppTx {
  readonly alproto = AppProto.Dns;
  readonly id: number;
  // Name buffers, made on first use (strings -> bytes once per tx).
  private names: (readonly Uint8Array[] | undefined)[] = [];

  constructor(readonly tx: DnsTx) {
    super();
    this.id = tx.txId;
  }

  get request(): boolean {
    return this.tx.request;
  }

  sideProgress(toServer: boolean): number {
    return toServer === this.tx.request ? 1 : 0;
  }

  private nameList(id: number): readonly Uint8Array[] {
    const i = id - DnsBuf.Query;
    let l = this.names[i];
    if (l === undefined) {
      const t = this.tx;
      switch (id) {
        case DnsBuf.Query:
          l = latin1Bytes(dnsQueryBuffers(t));
          break;
        case DnsBuf.QueryName:
          l = latin1Bytes(dnsQueryNameBuffers(t));
          break;
        case DnsBuf.AnswerName:
          l = latin1Bytes(dnsAnswerNameBuffers(t));
          break;
        case DnsBuf.ResponseRrname:
          l = latin1Bytes(dnsResponseRrnameBuffers(t));
          break;
        case DnsBuf.AuthorityName:
          l = latin1Bytes(t.message.authorities.map((a) => a.rrname));
          break;
        case DnsBuf.AdditionalName:
          l = latin1Bytes(t.message.additionals.map((a) => a.rrname));
          break;
        default:
          l = EMPTY;
      }
      this.names[i] = l;
    }
    return l;
  }

  bufferCount(id: number): number {
    switch (id) {
      case DnsBuf.Opcode:
      case DnsBuf.Rcode:
        return 1;
      case DnsBuf.Rrtype:
        return this.tx.message.queries.length;
      case DnsBuf.Event:
        return this.tx.events.length;
      default:
        return this.nameList(id).length;
    }
  }

  bufferAt(id: number, k: number): number {
    const m = this.tx.message;
    switch (id) {
      case DnsBuf.Opcode:
        return (m.header.flags >> 11) & 0xf;
      case DnsBuf.Rcode:
        return m.header.flags & 0xf;
      case DnsBuf.Rrtype: {
        const q = m.queries[k];
        return q === undefined ? -1 : q.rrtype;
      }
      case DnsBuf.Event: {
        const e = this.tx.events[k];
        return e === undefined ? -1 : DNS_EVENT_NAMES.indexOf(e);
      }
      default: {
        const b = this.nameList(id)[k];
        if (b === undefined) return -1;
        this.bytes = b;
        this.offset = 0;
        return b.length;
      }
    }
  }

  hasEvent(name: string): boolean {
    return this.tx.events.includes(name as never);
  }
}

export interface DnsParserCounters {
  txs: number;
  /** Transactions dropped un-inspected because a flow had DNS_MAX_TXS waiting. */
  txsDropped: number;
}

export class DnsParser implements AppLayerProtoParser, AppTxParser {
  readonly completeProgress = 1;
  /** TxDone bits a tx needs (besides its side's inspection) before it is freed; EVE sets Logged. */
  releaseMask = 0;
  /** Detection runs: a tx also waits for its side's inspection (false without rules). */
  inspectRequired = true;
  readonly counters: DnsParserCounters = { txs: 0, txsDropped: 0 };
  private readonly states: SlotTable<DnsState>;
  private readonly txs: SlotTable<DnsTxView[]>;

  constructor(readonly capacity: number) {
    this.states = new SlotTable<DnsState>(capacity);
    this.txs = new SlotTable<DnsTxView[]>(capacity);
  }

  state(slot: number): DnsState {
    let s = this.states.get(slot);
    if (s === undefined) s = this.states.set(slot, new DnsState());
    return s;
  }

  parse(slot: number, toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    this.state(slot).feed(toServer, buf, off, len);
    this.take(slot);
  }

  datagram(slot: number, toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    this.state(slot).parseDatagram(toServer, buf, off, len);
    this.take(slot);
  }

  gap(slot: number, toServer: boolean, len: number): void {
    this.state(slot).gap(toServer, len);
  }

  end(slot: number, toServer: boolean): void {
    const s = this.states.get(slot);
    if (s !== undefined) s.end(toServer);
  }

  clear(slot: number): void {
    const s = this.states.get(slot);
    if (s !== undefined) s.clear();
    const l = this.txs.get(slot);
    if (l !== undefined) l.length = 0;
  }

  txCount(slot: number): number {
    const l = this.txs.get(slot);
    return l === undefined ? 0 : l.length;
  }

  getTx(slot: number, i: number): DnsTxView | undefined {
    return this.txs.get(slot)?.[i];
  }

  markDone(slot: number, tx: AppTx, bits: number): void {
    tx.done |= bits;
    const l = this.txs.get(slot);
    if (l === undefined) return;
    while (l.length > 0) {
      const t = l[0]!;
      const need = (this.inspectRequired ? (t.request ? TxDone.InspectedToServer : TxDone.InspectedToClient) : 0) | this.releaseMask;
      if ((t.done & need) !== need) break;
      l.shift();
    }
  }

  /** The state's new transactions become views (the state keeps none). */
  private take(slot: number): void {
    const s = this.states.get(slot)!;
    if (s.txs.length === 0) return;
    let l = this.txs.get(slot);
    if (l === undefined) l = this.txs.set(slot, []);
    for (const t of s.drainTxs()) {
      if (l.length >= DNS_MAX_TXS) {
        l.shift();
        this.counters.txsDropped++;
      }
      l.push(new DnsTxView(t));
      this.counters.txs++;
    }
  }
}
