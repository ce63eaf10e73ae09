/**
 * DNS protocol detection: Suricata has no DNS pattern, only a probing parser on port 53 (TCP
 * and UDP) that accepts a message whose header is plausible (rust/src/dns/dns.rs probe,
 * probe_header_validity, see dnsHeaderValid) and, when the message is all there, parses. The result also says which side sent it
 * (QR bit), which Suricata uses to reverse a flow seen response-first.
 */
import { DNS_HEADER_LEN, dnsHeaderValid, parseDnsMessage } from './dns-message.js';

export const DNS_PROBE_NO = 0;
export const DNS_PROBE_REQUEST = 1;
export const DNS_PROBE_RESPONSE = 2;
/** TCP only: too few bytes yet to decide. */
export const DNS_PROBE_NEED_MORE = 3;

/**
 * Probes one message of `dlen` bytes of which `len` are here. A complete message must parse; a
 * partial one is judged by its header alone.
 */
export function probeDnsMessage(buf: Uint8Array, off: number, len: number, dlen: number): number {
  if (len > dlen) len = dlen;
  if (len < DNS_HEADER_LEN || dlen < DNS_HEADER_LEN) return DNS_PROBE_NO;
  if (!dnsHeaderValid(buf, off, dlen)) return DNS_PROBE_NO;
  if (len === dlen && parseDnsMessage(buf, off, len) === null) return DNS_PROBE_NO;
  return (buf[off + 2]! & 0x80) !== 0 ? DNS_PROBE_RESPONSE : DNS_PROBE_REQUEST;
}

/** A UDP payload on port 53. */
export function probeDnsUdp(buf: Uint8Array, off: number, len: number): number {
  const r = probeDnsMessage(buf, off, len, len);
  if (r !== DNS_PROBE_NO || len < DNS_HEADER_LEN || !dnsHeaderValid(buf, off, len)) return r;
  // A plausible header whose message does not parse: Suricata's probe takes a body that is
  // incomplete (nom's Incomplete, a truncated datagram) as DNS on its header alone; this
  // parser does not tell truncated from malformed, so both count as DNS (the parser then
  // raises its events), and the flow is not failed on its first datagram.
  return (buf[off + 2]! & 0x80) !== 0 ? DNS_PROBE_RESPONSE : DNS_PROBE_REQUEST;
}

/** The start of a TCP stream on port 53: 2-byte length, then a message. */
export function probeDnsTcp(buf: Uint8Array, off: number, len: number): number {
  if (len < 2 + DNS_HEADER_LEN) return len === 0 ? DNS_PROBE_NO : DNS_PROBE_NEED_MORE;
  const dlen = (buf[off]! << 8) | buf[off + 1]!;
  return probeDnsMessage(buf, off + 2, len - 2, dlen);
}
