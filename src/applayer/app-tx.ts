/**
 * What detection and EVE read from any protocol's transactions (Suricata's per-protocol
 * GetTx / GetTxCnt / GetProgress and the sticky buffers' GetData / GetMultiData). A protocol
 * whose parser implements AppTxParser and whose transactions implement AppTx plugs into the
 * detect engine's tx pass without engine code of its own.
 *
 * Buffer ids are one space over all protocols (HTTP 0..63, DNS 64.., TLS 96.., SSH 160..,
 * see detect/keywords/app-buffers.ts), so one rule group holds every protocol's automata.
 * A buffer may be a "multi-buffer" (Suricata: DNS query names): bufferCount() instances,
 * a content matches if it matches in any one of them.
 */

/** Bits of AppTx.done: which consumers are finished with a transaction. */
export const TxDone = { InspectedToServer: 1, InspectedToClient: 2, Logged: 4 } as const;

export interface AppTx {
  /** AppProto id of the protocol the tx belongs to. */
  readonly alproto: number;
  /** Transaction id within the flow (EVE tx_id). */
  readonly id: number;
  /** Output of the last bufferAt() call. */
  bytes: Uint8Array;
  offset: number;
  /** TxDone bits. */
  done: number;
  /** Progress of one side (0: not started; the parser's completeProgress: complete). */
  sideProgress(toServer: boolean): number;
  /** Instances of a buffer (0: absent; 1 for a single buffer). */
  bufferCount(id: number): number;
  /** Instance k of a buffer: its length (-1 absent), with bytes/offset set. */
  bufferAt(id: number, k: number): number;
  /** Is detection done with rule `id` on this tx (matched, or ~id: can no longer match)? */
  hasMatched(id: number): boolean;
  addMatched(id: number): void;
}

export interface AppTxParser {
  /** Progress value at which a transaction side is complete. */
  readonly completeProgress: number;
  txCount(slot: number): number;
  getTx(slot: number, i: number): AppTx | undefined;
  /** Set consumer marks on a tx and free what is complete and fully marked. */
  markDone(slot: number, tx: AppTx, bits: number): void;
}

export function isAppTxParser(p: unknown): p is AppTxParser {
  return typeof p === 'object' && p !== null && typeof (p as AppTxParser).getTx === 'function' && typeof (p as AppTxParser).completeProgress === 'number';
}

const EMPTY = new Uint8Array(0);

/** The bookkeeping every tx needs (matched rules, done bits, buffer output). */
export class AppTxBase {
  bytes: Uint8Array = EMPTY;
  offset = 0;
  done = 0;
  private matched = new Int32Array(4);
  private matchedLen = 0;

  hasMatched(id: number): boolean {
    const m = this.matched;
    const neg = ~id;
    for (let i = 0; i < this.matchedLen; i++) if (m[i] === id || m[i] === neg) return true;
    return false;
  }

  addMatched(id: number): void {
    if (this.matchedLen === this.matched.length) {
      const b = new Int32Array(this.matched.length * 2);
      b.set(this.matched);
      this.matched = b;
    }
    this.matched[this.matchedLen++] = id;
  }

  resetBase(): void {
    this.bytes = EMPTY;
    this.offset = 0;
    this.done = 0;
    this.matchedLen = 0;
  }
}

/**
 * Packet time (seconds) of the packet being inspected, for tx values that depend on it
 * (tls_cert_expired / tls_cert_valid): txClock[0]. The detect engine sets it per packet
 * (a typed array: storing a double in an object field would allocate a number per packet).
 */
export const txClock = new Float64Array(1);
