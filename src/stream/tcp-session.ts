/**
 * Per flow slot TCP session state (Suricata's TcpSession), struct-of-arrays indexed by flow
 * slot; per-direction fields are indexed slot*2 + dir, dir 0 = to_server and 1 = to_client in
 * the flow table's orientation (p.flowDirection - 1).
 *
 * Stream offsets are bytes after the ISN (Suricata's STREAM_BASE_OFFSET space), kept as
 * doubles: a sequence number is unwrapped against the direction's highest offset seen, so a
 * stream may pass 4 GiB and wrap its sequence space without confusion.
 */

/** Session states (src/stream-tcp-private.h: enum TcpState), in order. */
export const TcpSsnState = {
  None: 0,
  SynSent: 1,
  SynRecv: 2,
  Established: 3,
  FinWait1: 4,
  FinWait2: 5,
  TimeWait: 6,
  LastAck: 7,
  CloseWait: 8,
  Closing: 9,
  Closed: 10,
} as const;

export const SsnFlag = {
  Midstream: 1,
  MidstreamSynAck: 2,
  Async: 4,
  ClosedByRst: 8,
  /** Split handshake: the server answered the SYN with its own SYN (STREAMTCP_FLAG_4WHS). */
  FourWhs: 16,
} as const;

/** Per-direction flags (TcpStream.flags). */
export const DirFlag = {
  /** FIN seen in this direction. */
  Fin: 1,
  DepthReached: 2,
  /** Nothing more is added to this direction (depth reached and flushed). */
  NoReassembly: 4,
  HasGap: 8,
  /** The FIN of this direction was ACKed by the other side. */
  FinAcked: 16,
  /** Something raw readiness depends on changed (data, last_ack, state, depth) since the
   *  last check: only then is the direction looked at again (keeps idle packets cheap). */
  RawDirty: 32,
  /** The app layer was told this direction ended (onEnd sent once). */
  AppEnded: 64,
  /** The app layer asked for raw inspection now (TRIGGER_RAW): no waiting for the chunk size. */
  RawTrigger: 128,
} as const;

export class TcpSessionTable {
  readonly capacity: number;
  readonly state: Uint8Array;
  readonly flags: Uint8Array;
  /** Flow direction index (0/1) of the session's client (the SYN sender). */
  readonly clientDir: Uint8Array;
  // ---- per direction ----
  /** Sequence number of stream offset 0 (ISN + 1). */
  readonly baseSeq: Uint32Array;
  /** Highest stream offset seen (next_seq), and its sequence number (kept in step, so that
   *  unwrapping a sequence number needs no floating-point modulo). */
  readonly nextRel: Float64Array;
  readonly nextSeq: Uint32Array;
  /** Offset the other side has ACKed (last_ack). */
  readonly lastAck: Float64Array;
  /** Raw inspection progress: every byte before it has been handed to detection. */
  readonly rawProgress: Float64Array;
  /** App-layer progress (Suricata's app progress, apart from raw): bytes before it were given
   *  to the app layer (or reported as a gap). */
  readonly appProgress: Float64Array;
  /** Offset of the FIN (the byte after the last data byte). */
  readonly finRel: Float64Array;
  readonly dirFlags: Uint8Array;
  /** Per slot: bit d set when the app layer parsed new data of flow direction d since the
   *  last packet in that direction (FLOW_TS_APP_UPDATED / FLOW_TC_APP_UPDATED). */
  readonly appUpdated: Uint8Array;
  /** Segments are kept until both progresses pass them (set by the stage). */
  appOn = false;
  rawOn = true;
  /** Sessions alive now (charged against stream.memcap). */
  active = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.state = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.clientDir = new Uint8Array(capacity);
    const n = capacity * 2;
    this.baseSeq = new Uint32Array(n);
    this.nextRel = new Float64Array(n);
    this.nextSeq = new Uint32Array(n);
    this.lastAck = new Float64Array(n);
    this.rawProgress = new Float64Array(n);
    this.appProgress = new Float64Array(n);
    this.appUpdated = new Uint8Array(capacity);
    this.finRel = new Float64Array(n);
    this.dirFlags = new Uint8Array(n);
  }

  /** Start a session on `slot` (state already checked None). */
  open(slot: number, state: number, clientDir: number, flags: number): void {
    this.state[slot] = state;
    this.flags[slot] = flags;
    this.clientDir[slot] = clientDir;
    this.appUpdated[slot] = 0;
    for (let d = 0; d < 2; d++) {
      const k = slot * 2 + d;
      this.baseSeq[k] = 0;
      this.nextRel[k] = 0;
      this.nextSeq[k] = 0;
      this.lastAck[k] = 0;
      this.rawProgress[k] = 0;
      this.appProgress[k] = 0;
      this.finRel[k] = -1;
      this.dirFlags[k] = 0;
    }
    this.active++;
  }

  /** Set direction k's stream to start at sequence number `seq`. */
  setBase(k: number, seq: number): void {
    this.baseSeq[k] = seq >>> 0;
    this.nextRel[k] = 0;
    this.nextSeq[k] = seq >>> 0;
    this.lastAck[k] = 0;
    this.rawProgress[k] = 0;
    this.appProgress[k] = 0;
  }

  /** Stream offset before which nothing is needed any more: both raw and app progress passed it. */
  base(k: number): number {
    if (!this.appOn) return this.rawProgress[k]!;
    if (!this.rawOn) return this.appProgress[k]!;
    const r = this.rawProgress[k]!;
    const a = this.appProgress[k]!;
    return r < a ? r : a;
  }

  /** Stream offset of sequence number `seq` in direction k, unwrapped near next_seq. */
  rel(k: number, seq: number): number {
    return this.nextRel[k]! + ((seq - this.nextSeq[k]!) | 0);
  }

  /** Move next_seq forward to stream offset `end`. */
  advance(k: number, end: number): void {
    const nr = this.nextRel[k]!;
    if (end <= nr) return;
    this.nextSeq[k] = (this.nextSeq[k]! + (end - nr)) >>> 0;
    this.nextRel[k] = end;
  }

  close(slot: number): void {
    if (this.state[slot] !== TcpSsnState.None) this.active--;
    this.state[slot] = TcpSsnState.None;
    this.flags[slot] = 0;
  }

  /** State at least ESTABLISHED (Suricata's PKT_STREAM_EST condition). */
  isEstablished(slot: number): boolean {
    return this.state[slot]! >= TcpSsnState.Established;
  }
}
