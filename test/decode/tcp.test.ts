import { describe, expect, it } from 'vitest';
import { DecodeEvent, Layer } from '../../src/decode/decode-events.js';
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_PSH, TCP_SYN } from '../../src/decode/packet-view.js';
import { bytes, decode, eth, ipv4, tcp } from './builders.js';

const frame = (seg: Uint8Array, totalLen?: number) => eth({ type: 0x0800 }, ipv4({ proto: 6, totalLen }, seg));

describe('tcp', () => {
  it('fills ports, seq/ack, flags, window, header and payload', () => {
    const { p, c } = decode(frame(tcp({ sport: 65535, dport: 1, seq: 0xfffffff0, ack: 0x80000001, flags: TCP_PSH | TCP_ACK, window: 512 }, bytes(1, 2, 3, 4, 5))));
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.sport).toBe(65535);
    expect(p.dport).toBe(1);
    expect(p.tcpSeq).toBe(0xfffffff0);
    expect(p.tcpAck).toBe(0x80000001);
    expect(p.tcpFlags).toBe(0x18);
    expect(p.tcpWindow).toBe(512);
    expect(p.tcpHeaderLen).toBe(20);
    expect(p.l4Offset).toBe(34);
    expect(p.payloadOffset).toBe(54);
    expect(p.payloadLen).toBe(5);
    expect(c.layers[Layer.Tcp]).toBe(1);
  });

  it('keeps ECE and CWR in the flags byte', () => {
    const { p } = decode(frame(tcp({ flags: 0xff })));
    expect(p.tcpFlags).toBe(0xff);
    expect(p.tcpFlags & TCP_ECE).toBe(TCP_ECE);
    expect(p.tcpFlags & TCP_CWR).toBe(TCP_CWR);
  });

  it('skips options to the payload', () => {
    const { p } = decode(frame(tcp({ flags: TCP_SYN, options: [2, 4, 5, 0xb4, 1, 1, 4, 2] }, bytes(9))));
    expect(p.tcpHeaderLen).toBe(28);
    expect(p.payloadOffset).toBe(34 + 28);
    expect(p.payloadLen).toBe(1);
  });

  it('flags a data offset below 5 (tcp.hlen_too_small)', () => {
    const { p, c } = decode(frame(tcp({ dataOffset: 4 })));
    expect(p.error).toBe(DecodeEvent.TcpHlenTooSmall);
    expect(c.events[DecodeEvent.TcpHlenTooSmall]).toBe(1);
    expect(p.sport).toBe(-1);
  });

  it('flags fewer than 20 bytes (tcp.pkt_too_small)', () => {
    expect(decode(frame(tcp().subarray(0, 19))).p.error).toBe(DecodeEvent.TcpPktTooSmall);
  });

  it('flags options past the end of a complete datagram (tcp.pkt_too_small)', () => {
    const { p } = decode(frame(tcp({ dataOffset: 15 })));
    expect(p.truncated).toBe(false);
    expect(p.error).toBe(DecodeEvent.TcpPktTooSmall);
  });

  it('decodes the fixed header when a truncated capture cut the options', () => {
    const seg = tcp({ dport: 443, flags: TCP_SYN, options: [2, 4, 5, 0xb4, 4, 2, 8, 10, ...new Array(12).fill(0)] });
    const { p, c } = decode(frame(seg.subarray(0, 24), 20 + seg.length));
    expect(p.truncated).toBe(true);
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.dport).toBe(443);
    expect(p.tcpHeaderLen).toBe(40);
    expect(p.payloadLen).toBe(0);
    expect(c.layers[Layer.Truncated]).toBe(1);
  });

  it('decodes the fixed header of a first fragment whose options continue in the next fragment', () => {
    const seg = tcp({ dport: 80, flags: TCP_SYN, options: [2, 4, 5, 0xb4, ...new Array(16).fill(1)] });
    const { p } = decode(eth({ type: 0x0800 }, ipv4({ proto: 6, flags: 1 }, seg.subarray(0, 24))));
    expect(p.truncated).toBe(false);
    expect(p.isFragment).toBe(true);
    expect(p.error).toBe(DecodeEvent.None);
    expect(p.dport).toBe(80);
    expect(p.tcpFlags).toBe(TCP_SYN);
    expect(p.payloadLen).toBe(0);
  });
});
