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
 * What is "inspected": for a stream match, the raw stream window the rule ran over
 * (p.streamBuf, at most payload_buffer_size bytes; falling back to the packet payload when
 * the window is empty, as Suricata does); otherwise the packet payload. Suricata logs all
 * stream data it still holds for that direction from the stream's base, joining gaps with
 * "[N bytes missing]"; mirrorsink's stream stage releases data once inspected, so the window
 * that matched is what there is to log (the same bytes for a flow-end flush or a stream that
 * fits one window; a longer or gapped stream logs less than Suricata would).
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
    const len = p.streamLen < max ? p.streamLen : max;
    if (len > 0) s = payloadFields(p.streamBuf, p.streamOff, len, o);
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
