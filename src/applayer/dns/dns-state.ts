/**
 * Per-flow DNS state (rust/src/dns/dns.rs): every message is its own transaction, a request tx
 * (to server) or a response tx (to client); responses are not merged with their requests.
 * UDP: one message per datagram (parseDatagram). TCP: 2-byte length prefix, messages reassembled
 * across feed() calls in one bounded 64 KiB buffer per direction, allocated on first need.
 *
 * Events use Suricata's names (rules say `app-layer-event:dns.<name>`). As in Suricata, an event
 * found while a message is refused (not_request, malformed_data) goes to the flow's most recent
 * tx; when there is none it is only counted in `eventCounts`. A message whose header fails the
 * validity check is dropped without event over UDP; over TCP it, like any refused message, ends
 * DNS parsing for the flow (Suricata's AppLayerResult::err).
 */
import {
  parseDnsMessage, dnsHeaderValid, type DnsMessage, DNS_HEADER_LEN, NAME_INFINITE_LOOP, NAME_LABEL_LIMIT, NAME_TRUNCATED,
} from './dns-message.js';
import { probeDnsTcp, DNS_PROBE_NO } from './dns-probe.js';

/** Byte copy without the view object `subarray` would allocate per packet. */
function copyBytes(src: Uint8Array, so: number, dst: Uint8Array, dOff: number, n: number): void {
  for (let i = 0; i < n; i++) dst[dOff + i] = src[so + i]!;
}


export const DNS_EVENT = {
  malformedData: 'malformed_data',
  notRequest: 'not_request',
  notResponse: 'not_response',
  zFlagSet: 'z_flag_set',
  invalidOpcode: 'invalid_opcode',
  nameTooLong: 'name_too_long',
  infiniteLoop: 'infinite_loop',
  tooManyLabels: 'too_many_labels',
  invalidAdditionals: 'invalid_additionals',
  invalidAuthorities: 'invalid_authorities',
} as const;
export type DnsEventName = (typeof DNS_EVENT)[keyof typeof DNS_EVENT];

/**
 * Rule spelling to event: Suricata's names plus the older `not_a_request` / `not_a_response`
 * that some rule files still use (DNSEvent::from_string accepts both). undefined: unknown.
 */
export function dnsEventByName(name: string): DnsEventName | undefined {
  const n = name.toLowerCase();
  if (n === 'not_a_request') return DNS_EVENT.notRequest;
  if (n === 'not_a_response') return DNS_EVENT.notResponse;
  for (const v of Object.values(DNS_EVENT)) if (v === n) return v;
  return undefined;
}

/** Transactions kept un-drained per flow before the oldest is purged (Suricata MAX_TRANSACTIONS). */
export const DNS_MAX_TXS = 32;
const TCP_BUF_LEN = 2 + 0xffff;

export interface DnsTx {
  /** Internal, 0-based (EVE `tx_id`). */
  txId: number;
  /** true: a request (to-server message); false: a response. */
  request: boolean;
  message: DnsMessage;
  events: DnsEventName[];
}

export interface DnsCounters {
  messages: number;
  /** Messages dropped by the header check (silently over UDP, as Suricata). */
  invalidHeader: number;
  malformed: number;
  /** TCP: a refused message ended parsing of the flow. */
  parseErrors: number;
  /** TCP bytes not parsed after a parse error. */
  bytesSkipped: number;
  txsPurged: number;
  /** TCP bytes skipped while resynchronising after a gap. */
  gapBytesSkipped: number;
  gaps: number;
}

export class DnsState {
  /** Transactions not yet drained, oldest first (at most DNS_MAX_TXS). */
  readonly txs: DnsTx[] = [];
  readonly eventCounts = new Map<DnsEventName, number>();
  readonly counters: DnsCounters = {
    messages: 0, invalidHeader: 0, malformed: 0, parseErrors: 0, bytesSkipped: 0, txsPurged: 0, gapBytesSkipped: 0, gaps: 0,
  };
  private nextTxId = 0;
  private lastTx: DnsTx | null = null;
  // TCP: index 0 = to server, 1 = to client.
  private tcpBuf: [Uint8Array | null, Uint8Array | null] = [null, null];
  private tcpHave = [0, 0];
  private tcpGap = [false, false];
  private tcpFailed = false;

  /** One UDP payload: one message. */
  parseDatagram(toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    this.handleMessage(toServer, buf, off, len);
  }

  /** TCP stream data, in order, any segmentation. */
  feed(toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    const d = toServer ? 0 : 1;
    if (this.tcpFailed) {
      this.counters.bytesSkipped += len;
      return;
    }
    if (this.tcpGap[d]) {
      // After a gap, resume only where a plausible length-prefixed header starts (Suricata
      // probes the data the same way); anything else is dropped.
      if (probeDnsTcp(buf, off, len) === DNS_PROBE_NO) {
        this.counters.gapBytesSkipped += len;
        return;
      }
      this.tcpGap[d] = false;
    }
    let o = off;
    let left = len;
    while (left > 0) {
      const have = this.tcpHave[d]!;
      if (have === 0) {
        if (left >= 2) {
          const mlen = (buf[o]! << 8) | buf[o + 1]!;
          if (left >= 2 + mlen) {
            this.tcpMessage(toServer, buf, o + 2, mlen);
            o += 2 + mlen;
            left -= 2 + mlen;
            if (this.tcpFailed) {
              this.counters.bytesSkipped += left;
              return;
            }
            continue;
          }
        }
        const b = this.tcpBuffer(d);
        copyBytes(buf, o, b, 0, left);
        this.tcpHave[d] = left;
        return;
      }
      const b = this.tcpBuffer(d);
      if (have < 2) {
        b[have] = buf[o]!;
        this.tcpHave[d] = have + 1;
        o++;
        left--;
        continue;
      }
      const mlen = (b[0]! << 8) | b[1]!;
      const need = 2 + mlen - have;
      const take = need < left ? need : left;
      copyBytes(buf, o, b, have, take);
      this.tcpHave[d] = have + take;
      o += take;
      left -= take;
      if (take === need) {
        this.tcpHave[d] = 0;
        this.tcpMessage(toServer, b, 2, mlen);
        if (this.tcpFailed) {
          this.counters.bytesSkipped += left;
          return;
        }
      }
    }
  }

  /** Missing TCP data: the partial message is lost; resynchronise on the next header. */
  gap(toServer: boolean, _len: number): void {
    const d = toServer ? 0 : 1;
    this.tcpHave[d] = 0;
    this.tcpGap[d] = true;
    this.counters.gaps++;
  }

  /** End of a direction: an incomplete TCP message is malformed. */
  end(toServer: boolean): void {
    const d = toServer ? 0 : 1;
    if (this.tcpHave[d]! > 0) {
      this.tcpHave[d] = 0;
      this.counters.malformed++;
      this.setEvent(DNS_EVENT.malformedData);
    }
  }

  /** Hands the pending transactions over (the caller logs/inspects them). */
  drainTxs(): DnsTx[] {
    return this.txs.splice(0, this.txs.length);
  }

  clear(): void {
    this.txs.length = 0;
    this.eventCounts.clear();
    this.nextTxId = 0;
    this.lastTx = null;
    this.tcpHave[0] = 0;
    this.tcpHave[1] = 0;
    this.tcpGap[0] = false;
    this.tcpGap[1] = false;
    this.tcpFailed = false;
    const c = this.counters;
    c.messages = c.invalidHeader = c.malformed = c.parseErrors = c.bytesSkipped = c.txsPurged = c.gapBytesSkipped = c.gaps = 0;
  }

  private tcpBuffer(d: number): Uint8Array {
    let b = this.tcpBuf[d];
    if (b === null || b === undefined) {
      b = new Uint8Array(TCP_BUF_LEN);
      this.tcpBuf[d] = b;
    }
    return b;
  }

  private tcpMessage(toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    // A zero length prefix is skipped (parse_request_tcp); a refused message is a parser error
    // that ends DNS parsing of the flow, as AppLayerResult::err does in Suricata.
    if (len === 0) return;
    if (!this.handleMessage(toServer, buf, off, len)) {
      this.tcpFailed = true;
      this.counters.parseErrors++;
    }
  }

  private setEvent(e: DnsEventName, tx: DnsTx | null = this.lastTx): void {
    this.eventCounts.set(e, (this.eventCounts.get(e) ?? 0) + 1);
    if (tx !== null) tx.events.push(e);
  }

  /**
   * One message (rust/src/dns/dns.rs parse_request / parse_response). A header that fails
   * dnsHeaderValid is dropped without event over UDP and is a parse error over TCP. false: the
   * message was refused (a TCP parse error).
   */
  private handleMessage(toServer: boolean, buf: Uint8Array, off: number, len: number): boolean {
    this.counters.messages++;
    if (len < DNS_HEADER_LEN || !dnsHeaderValid(buf, off, len)) {
      this.counters.invalidHeader++;
      return false;
    }
    const msg = parseDnsMessage(buf, off, len);
    if (msg === null) {
      this.counters.malformed++;
      this.setEvent(DNS_EVENT.malformedData);
      return false;
    }
    const flags = msg.header.flags;
    const qr = (flags & 0x8000) !== 0;
    if (toServer && qr) {
      // A response-flagged message to the server makes no tx; the event goes on the latest one.
      this.setEvent(DNS_EVENT.notRequest);
      return false;
    }
    const tx: DnsTx = { txId: this.nextTxId++, request: toServer, message: msg, events: [] };
    if (this.txs.length >= DNS_MAX_TXS) {
      this.txs.shift();
      this.counters.txsPurged++;
    }
    this.txs.push(tx);
    this.lastTx = tx;
    if (msg.invalidAdditionals) this.setEvent(DNS_EVENT.invalidAdditionals, tx);
    if (msg.invalidAuthorities) this.setEvent(DNS_EVENT.invalidAuthorities, tx);
    if (!toServer && !qr) this.setEvent(DNS_EVENT.notResponse, tx);
    if ((flags & 0x0040) !== 0) this.setEvent(DNS_EVENT.zFlagSet, tx);
    const opcode = (flags >> 11) & 0xf;
    if (opcode >= 7) this.setEvent(DNS_EVENT.invalidOpcode, tx);
    if ((msg.nameFlags & NAME_TRUNCATED) !== 0) this.setEvent(DNS_EVENT.nameTooLong, tx);
    if ((msg.nameFlags & NAME_INFINITE_LOOP) !== 0) this.setEvent(DNS_EVENT.infiniteLoop, tx);
    if ((msg.nameFlags & NAME_LABEL_LIMIT) !== 0) this.setEvent(DNS_EVENT.tooManyLabels, tx);
    return true;
  }
}
