/**
 * Which side sent a TCP payload, from the protocol's own first bytes: what Suricata's protocol
 * detection tells the flow about a session picked up midstream (app-layer.c TCPProtoDetect:
 * when the payload belongs to the other direction the flow is reversed). The flow stage asks
 * this about the first payloads of a midstream ACK pick-up (FlowTableOptions.midstreamProbe).
 *
 * Known protocols, each only from an unambiguous header:
 *  - SMB1/SMB2 over NetBIOS session service (4-byte NBSS header, then "\xffSMB" or "\xfeSMB"):
 *    the header's reply flag (SMB1 Flags bit 0x80, SMB2 Flags SERVER_TO_REDIR), as Suricata's
 *    smb_probe_tcp_midstream reads it.
 *  - HTTP/1: "HTTP/1." starts a response; a method token and a space start a request (the
 *    patterns Suricata's HTTP detection registers per direction).
 * Anything else: 0 (cannot tell), and the flow keeps its first packet's orientation.
 */
import type { MidstreamProbe } from '../flow/flow-table.js';

const SENDER_CLIENT = 1;
const SENDER_SERVER = 2;

// Request methods as bytes (no strings per packet).
const METHODS: readonly Uint8Array[] = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'PATCH', 'TRACE'].map(
  (m) => Uint8Array.from(m + ' ', (c) => c.charCodeAt(0)),
);
const HTTP_VERSION = Uint8Array.from('HTTP/1.', (c) => c.charCodeAt(0));

function startsWith(buf: Uint8Array, off: number, len: number, pat: Uint8Array): boolean {
  if (len < pat.length) return false;
  for (let i = 0; i < pat.length; i++) if (buf[off + i] !== pat[i]) return false;
  return true;
}

function smbSender(buf: Uint8Array, off: number, len: number): number {
  // NBSS session message (type 0) then the SMB protocol id.
  if (len < 4 + 24 || buf[off] !== 0x00) return 0;
  const v = buf[off + 4]!;
  if ((v !== 0xff && v !== 0xfe) || buf[off + 5] !== 0x53 || buf[off + 6] !== 0x4d || buf[off + 7] !== 0x42) return 0;
  if (v === 0xff) {
    // SMB1: protocol(4) command(1) status(4) flags(1): bit 0x80 = reply.
    return (buf[off + 4 + 9]! & 0x80) !== 0 ? SENDER_SERVER : SENDER_CLIENT;
  }
  // SMB2: protocol(4) size(2) credit charge(2) status(4) command(2) credits(2) flags(4, LE).
  return (buf[off + 4 + 16]! & 0x01) !== 0 ? SENDER_SERVER : SENDER_CLIENT;
}

function httpSender(buf: Uint8Array, off: number, len: number): number {
  if (startsWith(buf, off, len, HTTP_VERSION)) return SENDER_SERVER;
  for (let i = 0; i < METHODS.length; i++) if (startsWith(buf, off, len, METHODS[i]!)) return SENDER_CLIENT;
  return 0;
}

/** The probe the assembly gives the flow table. */
export const midstreamProbe: MidstreamProbe = {
  sender(buf: Uint8Array, off: number, len: number): number {
    const s = smbSender(buf, off, len);
    return s !== 0 ? s : httpSender(buf, off, len);
  },
};
