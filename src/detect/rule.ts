/**
 * The compiled form of one rule: everything the engine needs on the per-packet path is
 * precomputed here at load (typed arrays, folded byte patterns, integer checks, pre-serialised
 * output fragments), so matching allocates nothing.
 */
import type { AddressSet } from './address-set.js';
import type { PortSet } from './port-set.js';
import type { HeaderCheck, TcpFlagsCheck, FragbitsCheck, IpoptsCheck } from './keywords/header.js';
import type { PayloadOp } from './keywords/payload.js';
import type { FlowbitOp } from './keywords/flowbits.js';
import type { ThresholdSpec } from './keywords/threshold.js';
import type { StreamSizeCheck } from './keywords/stream-size.js';
import type { AppProtoCheck } from './keywords/app-layer-protocol.js';
import type { Transform } from './transforms.js';
import type { FlowCounterCheck } from './keywords/flow-counters.js';
import type { XbitOp } from './keywords/xbits.js';
import type { FlowintOp } from './keywords/flowint.js';

/** A check of a number: a buffer length (bsize, urilen) or an integer keyword's value. */
export interface ValueCheck {
  test(v: number): boolean;
}

/** One app-layer buffer a tx rule inspects: its payload operations and/or a length check. */
export interface TxBufferMatch {
  /** Buffer id (HttpBuf, DnsBuf, TlsBuf, SshBuf: one space, keywords/app-buffers.ts). */
  buf: number;
  ops: PayloadOp[];
  /** bsize / urilen, null when none. */
  len: ValueCheck | null;
  /** Transaction progress (its side) needed before the buffer is inspected. */
  progress: number;
  /** The to-client id of the buffer for TxDir.Both rules (tls.cert_subject: the server's); else buf. */
  resBuf: number;
  /** Transforms applied to the buffer before ops and len (transforms.ts), null when none. */
  transforms: Transform[] | null;
}

/** A header sticky buffer of a packet rule: HdrBuf kind (keywords/header-buffers.ts). */
export interface PktBufferMatch {
  kind: number;
  ops: PayloadOp[];
}

/** Rule.txDir values. Both: an app-layer rule without a direction whose buffers exist on both
 *  sides (DNS names, certificate fields, events): it inspects either side, as Suricata's. */
export const TxDir = { None: 0, ToServer: 1, ToClient: 2, Both: 3 } as const;

/** Action, numbered in Suricata's default action-order (pass first). */
export const Action = {
  Pass: 0,
  Drop: 1,
  Reject: 2,
  Alert: 3,
} as const;
export type ActionValue = (typeof Action)[keyof typeof Action];
export const ACTION_NAMES = ['pass', 'drop', 'reject', 'alert'] as const;

/** Which packets a rule's protocol field admits. */
export const Proto = {
  /** `ip`: every IP packet. */
  Any: 0,
  Tcp: 1,
  Udp: 2,
  /** `icmp`: ICMPv4 and ICMPv6, as in Suricata. */
  Icmp: 3,
  Icmpv4: 4,
  Icmpv6: 5,
  /** `ipv4`/`ip4`, `ipv6`/`ip6`: by IP version. */
  Ipv4: 6,
  Ipv6: 7,
  Sctp: 8,
  /** `pkthdr`: every packet, with or without an IP layer (decoder-event rules). */
  Pkthdr: 9,
  /** App-layer protocols that run over TCP and UDP (`alert dns`): either transport. */
  TcpUdp: 10,
} as const;
export type ProtoValue = (typeof Proto)[keyof typeof Proto];

/** flow: keyword bits. */
export const FlowFlag = {
  ToServer: 1,
  ToClient: 2,
  Established: 4,
  NotEstablished: 8,
  Stateless: 16,
  OnlyFrag: 32,
  NoFrag: 64,
  OnlyStream: 128,
  NoStream: 256,
} as const;

/**
 * What a rule's payload keywords inspect, as Suricata's SIG_FLAG_REQUIRE_PACKET/_STREAM
 * (src/detect-parse.c: SigConsolidateTcpBuffer): see rule-parser.ts classifyStream().
 */
export const SigFlag = {
  /** Inspects the reassembled stream (raw window) of TCP packets that carry one. */
  RequireStream: 1,
  /** Inspects the packet payload even when the packet went into the stream. */
  RequirePacket: 2,
  /** flow:only_stream / tcp-stream: never the packet payload. */
  OnlyStream: 4,
} as const;

/** How the flowbits of a rule read/write, for Suricata's rule ordering. */
export const FlowbitsRole = {
  Set: 0,
  SetRead: 1,
  Read: 2,
  None: 3,
} as const;

export interface Rule {
  /** Position in evaluation order (after sorting); index into RuleSet.rules. */
  id: number;
  gid: number;
  sid: number;
  rev: number;
  msg: string;
  classtype: string | null;
  /** Classification description ("" when none). */
  category: string;
  /** Severity: priority keyword, else the classification's, else 3. */
  priority: number;
  action: ActionValue;
  references: string[];
  /** metadata key/value pairs in rule order. */
  metadata: Array<[string, string]>;
  /** `target:` keyword: which side is the target. */
  target: 'src' | 'dest' | null;
  file: string;
  line: number;
  /** Load order, for stable sorting. */
  loadIndex: number;

  // ---- header ----
  proto: ProtoValue;
  src: AddressSet;
  dst: AddressSet;
  sp: PortSet;
  dp: PortSet;
  bidir: boolean;

  // ---- packet keywords ----
  headerChecks: HeaderCheck[];
  tcpFlags: TcpFlagsCheck | null;
  fragbits: FragbitsCheck | null;
  ipopts: IpoptsCheck | null;
  sameip: boolean;
  /** decode-event / stream-event / app-layer-event / engine-event: packet-event ids that must
   *  all be on the packet (decode/decode-events.ts id space); empty = none. */
  events: number[];
  /** FlowFlag bits (0 = no flow keyword). */
  flow: number;
  /** flow.pkts / flow.bytes / flow.age checks (keywords/flow-counters.ts). */
  flowCounters: FlowCounterCheck[];
  /** Payload must be non-empty (any payload keyword, or dsize forms that exclude 0). */
  requirePayload: boolean;
  /** SigFlag bits: stream vs packet inspection (0 for non-TCP rules: packet). */
  sigFlags: number;
  /** stream_size check, null when none. */
  streamSize: StreamSizeCheck | null;
  /** Payload must be empty (dsize:0). */
  requireNoPayload: boolean;

  // ---- payload ----
  payload: PayloadOp[];
  /** Header sticky buffers (ipv4.hdr, tcp.hdr, ...) and their payload operations. */
  pktBuffers: PktBufferMatch[];
  /** Number of byte_extract variables the rule uses. */
  byteVars: number;
  /** Pattern given to the prefilter, case-folded; null = rule is always a candidate. */
  prefilterPattern: Uint8Array | null;

  // ---- app layer ----
  /** App-layer protocol the flow must have (AppProto id; 0 = any). */
  alproto: number;
  /** HTTP buffers of a transaction rule (empty: a packet/stream rule). */
  txBuffers: TxBufferMatch[];
  /** `app-layer-protocol` keywords, all of which must hold (keywords/app-layer-protocol.ts). */
  appProtoChecks: AppProtoCheck[];
  /**
   * Suricata's "PD-only" rule: app-layer-protocol is its only condition besides the header, so it
   * matches on the packet whose direction's protocol detection completed, not on every packet.
   */
  pdOnly: boolean;
  /** TxDir: which side's transactions the rule inspects (None: not a tx rule). */
  txDir: number;
  /** Where the prefilter pattern is looked for: -1 the payload/stream, else an HttpBuf id. */
  prefilterBuffer: number;
  /** TxDir.Both rules: where the prefilter pattern is looked for on the to-client side. */
  prefilterBufferTc: number;

  // ---- flowbits ----
  flowbitChecks: FlowbitOp[];
  flowbitActions: FlowbitOp[];
  /** xbits / hostbits: checks (isset/isnotset) and actions, in rule order. */
  xbitChecks: XbitOp[];
  xbitActions: XbitOp[];
  /** flowint: conditions and (after a match) modifications. */
  flowintChecks: FlowintOp[];
  flowintActions: FlowintOp[];
  flowbitsRole: number;
  noalert: boolean;

  // ---- rate ----
  threshold: ThresholdSpec | null;
  detectionFilter: ThresholdSpec | null;
}

export interface RuleFailure {
  file: string;
  line: number;
  sid: number | null;
  reason: string;
  /** Summary key (failures_by_reason). */
  category: string;
}
