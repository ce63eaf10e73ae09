/**
 * The optional payload and packet fields of an EVE alert, as Suricata's eve-log alert type
 * writes them (output-json-alert.c: AlertAddPayload, AlertJsonStreamData, EvePacket), each
 * off by default as in Suricata's suricata.yaml:
 *
 *   payload            base64 of what was inspected (`payload: yes`)
 *   payload_length     its length (`payload-length: yes`)
 *   payload_printable  the same bytes with printable ASCII, \r and \n kept, every other byte as
 *                      '.' (`payload-printable: yes`)
 *   stream             1 when the rule matched on TCP stream data, else 0; written whenever
 *                      one of the three above is on
 *   packet             base64 of the packet as Suricata holds it (`packet: yes`), with
 *   packet_info        {linktype, linktype_name}
 *
 * What is "inspected": for a stream match, as Suricata's AlertJsonStreamData, the stream data
 * still stored for the packet's direction, in order, gaps written as "[N bytes missing]", at
 * most payload_buffer_size bytes (falling back to the packet payload when none is stored);
 * otherwise the packet payload. The stream stage releases data once a live packet's window
 * is inspected, so what is stored starts about where the matching window does (Suricata may
 * still hold some earlier bytes); a flow-end flush keeps everything until the flow is gone.
 * Without the store (a sink built without the stream stage), the matching window is logged.
 *
 * `packet`: Suricata's packet data. For a frame as captured, the whole captured frame with the
 * capture's link type; for traffic inside VXLAN/GENEVE, the inner packet from the tunnel
 * header on (Suricata's tunnel pseudo packets copy just those bytes and have DLT_RAW); for a
 * datagram rebuilt from fragments, the first fragment's link header and the whole datagram;
 * for a flow-end pseudo packet, its made-up IP/TCP header (DLT_RAW).
 *
 * Called per alert only: these build strings, never per packet.
 */
import type { PacketView } from '../decode/packet-view.js';

export interface EvePayloadOptions {
  /** payload (base64). */
  payload?: boolean;
  /** payload_printable. */
  payloadPrintable?: boolean;
  /** payload_length. */
  payloadLength?: boolean;
  /** packet + packet_info. */
  packet?: boolean;
  /** Most stream bytes logged (Suricata's payload-buffer-size, default 4 KiB). */
  payloadBufferSize?: number;
  /** The stream stage's store: a stream match logs all its data for the direction; without
   *  it, the window the rule matched. */
  streamStore?: StoredStreamData | null;
}

export const DEFAULT_PAYLOAD_BUFFER_SIZE = 4096;

/** libpcap's DLT_RAW on Linux: what Suricata gives tunnel and pseudo packets. */
export const DLT_RAW = 12;
/** LINKTYPE_RAW as pcap files store it (libpcap reports it as DLT_RAW). */
const LINKTYPE_RAW = 101;

/** pcap_datalink_val_to_name for the link types mirrorsink reads. */
const DLT_NAMES: Record<number, string> = { 0: 'NULL', 1: 'EN10MB', 12: 'RAW', 113: 'LINUX_SLL', 276: 'LINUX_SLL2' };

/** The link type Suricata reports for a capture's LINKTYPE_* (they differ for raw IP only). */
export function dltOf(linktype: number): number {
  return linktype === LINKTYPE_RAW ? DLT_RAW : linktype;
}

/**
 * The stream stage's segment store (src/stream/segment-store.ts), read per alert: direction k
 * is slot * 2 (client → server) or slot * 2 + 1.
 */
export interface StoredStreamData {
  storedEnd(k: number): number;
  nextDataAt(k: number, from: number): number;
  contiguousEnd(k: number, from: number): number;
  read(k: number, start: number, len: number, out: Uint8Array, outOff: number): void;
}

/**
 * Suricata's AlertJsonStreamData: the data stored for the direction of p, in stream order,
 * gaps written as "[N bytes missing]", at most `max` bytes. Returns the bytes (length 0 when
 * nothing is stored).
 */
export function storedStreamPayload(store: StoredStreamData, p: PacketView, max: number): Uint8Array {
  if (p.flowIndex < 0 || p.flowDirection === 0) return new Uint8Array(0);
  const k = p.flowIndex * 2 + (p.flowDirection - 1);
  const end = store.storedEnd(k);
  // Sized to what there is (a large payload_buffer_size costs nothing for short streams).
  let need = 0;
  for (let pos = store.nextDataAt(k, 0), last = -1; pos >= 0 && pos < end && need < max; ) {
    if (last >= 0 && pos > last) need += `[${pos - last} bytes missing]`.length;
    last = store.contiguousEnd(k, pos);
    need += last - pos;
    pos = store.nextDataAt(k, last);
  }
  const out = new Uint8Array(need < max ? need : max);
  max = out.length;
  let n = 0;
  let lastEnd = -1;
  for (let pos = store.nextDataAt(k, 0); pos >= 0 && pos < end && n < max; ) {
    if (lastEnd >= 0 && pos > lastEnd) {
      const gap = `[${pos - lastEnd} bytes missing]`;
      for (let i = 0; i < gap.length && n < max; i++) out[n++] = gap.charCodeAt(i);
    }
    const e = store.contiguousEnd(k, pos);
    const len = Math.min(e - pos, max - n);
    store.read(k, pos, len, out, n);
    n += len;
    lastEnd = e;
    pos = store.nextDataAt(k, e);
  }
  return out.subarray(0, n);
}

/** JSON string (quoted) of Suricata's printable form: printable ASCII, \r and \n, else '.'. */
export function printableJson(buf: Uint8Array, off: number, len: number): string {
  let s = '"';
  for (let i = off; i < off + len; i++) {
    const b = buf[i]!;
    if (b >= 0x20 && b < 0x7f) s += b === 0x22 ? '\\"' : b === 0x5c ? '\\\\' : String.fromCharCode(b);
    else if (b === 0x0d) s += '\\r';
    else if (b === 0x0a) s += '\\n';
    else s += '.';
  }
  return s + '"';
}

function base64(buf: Uint8Array, off: number, len: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('base64');
}

function payloadFields(buf: Uint8Array, off: number, len: number, o: EvePayloadOptions): string {
  let s = '';
  if (o.payload === true) s += `,"payload":"${base64(buf, off, len)}"`;
  if (o.payloadLength === true) s += `,"payload_length":${len}`;
  if (o.payloadPrintable === true) s += `,"payload_printable":${printableJson(buf, off, len)}`;
  return s;
}

/**
 * `payload`, `payload_length`, `payload_printable` and `stream` (in Suricata's order), or ''
 * when none is on. `streamMatch`: the rule matched on stream data (only TCP counts).
 */
export function evePayloadFields(p: PacketView, streamMatch: boolean, o: EvePayloadOptions): string {
  if (o.payload !== true && o.payloadPrintable !== true && o.payloadLength !== true) return '';
  const stream = streamMatch && p.ipProto === 6;
  let s = '';
  if (stream) {
    const max = o.payloadBufferSize ?? DEFAULT_PAYLOAD_BUFFER_SIZE;
    const store = o.streamStore ?? null;
    const data = store !== null ? storedStreamPayload(store, p, max) : null;
    const len = p.streamLen < max ? p.streamLen : max;
    if (data !== null && data.length > 0) s = payloadFields(data, 0, data.length, o);
    else if (data === null && len > 0) s = payloadFields(p.streamBuf, p.streamOff, len, o);
    else if (p.payloadLen > 0) s = payloadFields(p.buf, p.payloadOffset, p.payloadLen, o);
  } else {
    s = payloadFields(p.buf, p.payloadOffset, p.payloadLen, o);
  }
  return `${s},"stream":${stream ? 1 : 0}`;
}

/** `packet` and `packet_info`, or '' when the packet has no bytes to show. */
export function evePacketFields(p: PacketView): string {
  const end = p.frameOffset + p.caplen;
  let start = p.frameOffset;
  let dlt: number;
  if (p.tunnelDepth > 0) {
    // A rebuilt datagram's buffer already starts at the inner link header.
    if (!p.rebuilt) start = p.tunnelPayloadOffset;
    dlt = DLT_RAW;
  } else {
    // Datagrams from the UDP socket that were not tunnelled have no link layer to name.
    if (p.linktype < 0) return '';
    dlt = dltOf(p.linktype);
  }
  if (start < 0 || start > end || end > p.buf.length) return '';
  const name = DLT_NAMES[dlt];
  return `,"packet":"${base64(p.buf, start, end - start)}","packet_info":{"linktype":${dlt}${name !== undefined ? `,"linktype_name":"${name}"` : ''}}`;
}
