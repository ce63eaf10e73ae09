/**
 * Test helpers for the detection engine: build real Ethernet frames (IPv4/IPv6 with TCP, UDP
 * or ICMP), run them through the real pipeline (decoder, flow table, detect engine) and
 * collect alerts and EVE lines. Checksums are left 0: nothing in the sink validates them.
 */
import { PacketView } from '../../src/decode/packet-view.js';
import { DecodeCounters } from '../../src/decode/decode-events.js';
import { decodeFrame } from '../../src/decode/decoder.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRulesText, type LoadOptions } from '../../src/detect/rule-loader.js';
import type { Rule } from '../../src/detect/rule.js';
import { formatEveAlert } from '../../src/output/eve-alert.js';

export const F = 0x01;
export const S = 0x02;
export const R = 0x04;
export const P = 0x08;
export const A = 0x10;
export const U = 0x20;
export const E = 0x40;
export const C = 0x80;

function u16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}
function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}
function v4(text: string): number[] {
  return text.split('.').map(Number);
}
function v6(text: string): number[] {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => u16(parseInt(g, 16)));
}

export function bytesOf(payload: string | Uint8Array | number[] | undefined): number[] {
  if (payload === undefined) return [];
  if (typeof payload === 'string') return [...Buffer.from(payload, 'latin1')];
  return [...payload];
}

export interface L4 {
  proto: 'tcp' | 'udp' | 'icmp' | number;
  sport?: number;
  dport?: number;
  flags?: number;
  seq?: number;
  ack?: number;
  win?: number;
  /** ICMP */
  type?: number;
  code?: number;
  icmpId?: number;
  icmpSeq?: number;
  payload?: string | Uint8Array | number[];
}

export interface IpOpts extends L4 {
  src?: string;
  dst?: string;
  ttl?: number;
  tos?: number;
  id?: number;
  /** IPv4 flags: 0x4 reserved, 0x2 DF, 0x1 MF. */
  ipFlags?: number;
  /** Fragment offset in bytes (multiple of 8). */
  fragOffset?: number;
  /** IPv4 options (multiple of 4 bytes). */
  options?: number[];
  /** IPv6 extension headers to put before the L4 header: raw bytes, next-header fixed up. */
  ext6?: Array<{ nh: number; bytes: number[] }>;
}

function l4Bytes(o: L4, v6: boolean): { proto: number; bytes: number[] } {
  const payload = bytesOf(o.payload);
  if (o.proto === 'tcp') {
    const hdr = [...u16(o.sport ?? 40000), ...u16(o.dport ?? 80), ...u32(o.seq ?? 1000), ...u32(o.ack ?? 0), 0x50, o.flags ?? A, ...u16(o.win ?? 8192), 0, 0, 0, 0];
    return { proto: 6, bytes: [...hdr, ...payload] };
  }
  if (o.proto === 'udp') {
    const len = 8 + payload.length;
    return { proto: 17, bytes: [...u16(o.sport ?? 40000), ...u16(o.dport ?? 53), ...u16(len), 0, 0, ...payload] };
  }
  if (o.proto === 'icmp') {
    const hdr = [o.type ?? 8, o.code ?? 0, 0, 0, ...u16(o.icmpId ?? 1), ...u16(o.icmpSeq ?? 1)];
    return { proto: v6 ? 58 : 1, bytes: [...hdr, ...payload] };
  }
  return { proto: o.proto, bytes: payload };
}

/** Ethernet + IPv4/IPv6 + L4 frame. */
export function frame(o: IpOpts): Uint8Array {
  const src = o.src ?? '192.168.1.10';
  const dst = o.dst ?? '10.0.0.1';
  const is6 = src.includes(':');
  const l4 = l4Bytes(o, is6);
  if (!is6) {
    const opts = o.options ?? [];
    const ihl = 5 + opts.length / 4;
    const total = ihl * 4 + l4.bytes.length;
    const fo = ((o.ipFlags ?? 0) << 13) | ((o.fragOffset ?? 0) >>> 3);
    const ip = [0x40 | ihl, o.tos ?? 0, ...u16(total), ...u16(o.id ?? 1), ...u16(fo), o.ttl ?? 64, l4.proto, 0, 0, ...v4(src), ...v4(dst), ...opts];
    return Uint8Array.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, ...ip, ...l4.bytes]);
  }
  const ext = o.ext6 ?? [];
  let nh = ext.length > 0 ? ext[0]!.nh : l4.proto;
  const extBytes: number[] = [];
  ext.forEach((e, i) => {
    const next = i + 1 < ext.length ? ext[i + 1]!.nh : l4.proto;
    const b = e.bytes.slice();
    b[0] = next;
    extBytes.push(...b);
  });
  const plen = extBytes.length + l4.bytes.length;
  const ip = [0x60 | ((o.tos ?? 0) >> 4), ((o.tos ?? 0) & 0xf) << 4, 0, 0, ...u16(plen), nh, o.ttl ?? 64, ...v6(src), ...v6(dst)];
  nh = 0;
  return Uint8Array.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd, ...ip, ...extBytes, ...l4.bytes]);
}

/** Decode one frame into a fresh PacketView (no flow). */
export function decoded(o: IpOpts, ts = 1000): PacketView {
  const f = frame(o);
  const p = new PacketView();
  p.setFrame(f, 0, f.length, f.length, 1);
  p.frameNo = 1;
  p.tsSec = Math.floor(ts);
  p.tsNsec = Math.round((ts - Math.floor(ts)) * 1e9);
  decodeFrame(p, new DecodeCounters());
  if (p.error !== 0) throw new Error(`test frame did not decode (event ${p.error})`);
  return p;
}

export interface Pkt extends IpOpts {
  /** Packet time, seconds (float). Default: 1000 + index/1000. */
  ts?: number;
}

export interface Alert {
  sid: number;
  /** 1-based index of the packet in the list. */
  pkt: number;
  rule: Rule;
  eve: Record<string, unknown>;
}

export interface RunResult {
  alerts: Alert[];
  engine: DetectEngine;
  flow: FlowTable | null;
  /** sids in alert order. */
  sids: number[];
  /** sid → count */
  counts: Map<number, number>;
}

/**
 * Load `rules` and run `pkts` through decode → flow table → detect. The flow table is on by
 * default (flow: false runs detect without one).
 */
export function run(rules: string, pkts: Pkt[], opts: { flow?: boolean; load?: LoadOptions } = {}): RunResult {
  const rs = loadRulesText(rules, opts.load);
  if (rs.failed > 0) throw new Error(`rules did not load: ${rs.failures.map((f) => `${f.line}: ${f.reason}`).join('; ')}`);
  const ft = opts.flow === false ? null : new FlowTable({ hashSeed: 1 });
  const alerts: Alert[] = [];
  let index = 0;
  const engine = new DetectEngine(rs, ft, [
    {
      alert(p, rule) {
        alerts.push({ sid: rule.sid, pkt: index, rule, eve: JSON.parse(formatEveAlert(p, rule, { flow: ft })) as Record<string, unknown> });
      },
    },
  ]);
  const pl = new Pipeline({ flow: ft, detect: engine });
  pkts.forEach((pk, i) => {
    index = i + 1;
    const f = frame(pk);
    const ts = pk.ts ?? 1000 + i / 1000;
    pl.onFrame(f, 0, f.length, f.length, 1, Math.floor(ts), Math.round((ts - Math.floor(ts)) * 1e9));
  });
  const counts = new Map<number, number>();
  for (const a of alerts) counts.set(a.sid, (counts.get(a.sid) ?? 0) + 1);
  return { alerts, engine, flow: ft, sids: alerts.map((a) => a.sid), counts };
}

/** A full TCP handshake + payload packets, client 192.168.1.10:40000 → server 10.0.0.1:port. */
export function tcpSession(port: number, exchanges: Array<{ toServer: boolean; payload: string | number[] }>, base = 1000): Pkt[] {
  const c = { src: '192.168.1.10', sport: 40000 };
  const s = { src: '10.0.0.1', sport: port };
  const out: Pkt[] = [
    { proto: 'tcp', src: c.src, dst: s.src, sport: c.sport, dport: port, flags: S, ts: base },
    { proto: 'tcp', src: s.src, dst: c.src, sport: port, dport: c.sport, flags: S | A, ts: base + 0.001 },
    { proto: 'tcp', src: c.src, dst: s.src, sport: c.sport, dport: port, flags: A, ts: base + 0.002 },
  ];
  exchanges.forEach((x, i) => {
    const ts = base + 0.01 * (i + 1);
    out.push(
      x.toServer
        ? { proto: 'tcp', src: c.src, dst: s.src, sport: c.sport, dport: port, flags: P | A, payload: x.payload, ts }
        : { proto: 'tcp', src: s.src, dst: c.src, sport: port, dport: c.sport, flags: P | A, payload: x.payload, ts },
    );
  });
  return out;
}

/** Run one packet against rules without a flow table; the sids that alerted. */
export function sidsFor(rules: string, pkt: Pkt): number[] {
  return run(rules, [pkt], { flow: false }).sids;
}

/** Wrap an inner Ethernet frame in outer Ethernet/IPv4/UDP 4789/VXLAN, as AWS mirroring does. */
export function vxlan(inner: Uint8Array, o: { src?: string; dst?: string; sport?: number; vni: number }): Uint8Array {
  const udpLen = 8 + 8 + inner.length;
  const ipLen = 20 + udpLen;
  const ip = [0x45, 0, ...u16(ipLen), 0, 0, 0, 0, 255, 17, 0, 0, ...v4(o.src ?? '10.0.1.10'), ...v4(o.dst ?? '10.0.100.5')];
  const udp = [...u16(o.sport ?? 65000), ...u16(4789), ...u16(udpLen), 0, 0];
  const vx = [0x08, 0, 0, 0, (o.vni >>> 16) & 0xff, (o.vni >>> 8) & 0xff, o.vni & 0xff, 0];
  return Uint8Array.from([2, 0, 0, 0, 0, 0x10, 2, 0, 0, 0, 0, 0x11, 0x08, 0x00, ...ip, ...udp, ...vx, ...inner]);
}

/** Decode an already built frame. */
export function decodeBytes(f: Uint8Array, ts = 1000, frameNo = 1): PacketView {
  const p = new PacketView();
  p.setFrame(f, 0, f.length, f.length, 1);
  p.frameNo = frameNo;
  p.tsSec = Math.floor(ts);
  p.tsNsec = Math.round((ts - Math.floor(ts)) * 1e9);
  decodeFrame(p, new DecodeCounters());
  if (p.error !== 0) throw new Error(`test frame did not decode (event ${p.error})`);
  return p;
}
