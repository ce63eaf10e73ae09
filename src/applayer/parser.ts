/**
 * What a protocol parser offers the app-layer framework. One instance per protocol serves every
 * flow slot (its per-flow state lives in the parser, indexed by slot). Parsers are incremental
 * and tolerant: any bytes, any split, gaps; they count problems and never throw.
 */
export interface AppLayerProtoParser {
  /** Bytes of one direction, in stream order. */
  parse(slot: number, toServer: boolean, buf: Uint8Array, off: number, len: number): void;
  /** One UDP datagram of one direction (protocols over UDP; TCP data comes through parse). */
  datagram?(slot: number, toServer: boolean, buf: Uint8Array, off: number, len: number): void;
  /** `len` bytes of one direction are missing (mirror loss, reassembly gap). */
  gap(slot: number, toServer: boolean, len: number): void;
  /** No more data in this direction (FIN, RST or flow end). */
  end(slot: number, toServer: boolean): void;
  /** The flow slot is being reused: drop its state. */
  clear(slot: number): void;
  /**
   * True (once) when the parser asked for raw stream inspection of that direction now
   * (Suricata's SCAppLayerParserTriggerRawStreamInspection, e.g. an HTTP request completed).
   */
  takeRawTrigger?(slot: number, toServer: boolean): boolean;
}

/** The flow storage contract (src/flow/flow-storage.ts): a per-slot state owner. */
export interface FlowStorageClient {
  readonly name: string;
  clear(slot: number): void;
}
