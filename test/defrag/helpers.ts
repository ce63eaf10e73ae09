/** Fragment builders and a small driver for the defrag tests (real decoder, real Defragmenter). */
import { DecodeCounters } from '../../src/decode/decode-events.js';
import { decodeFrame, decodeRebuilt } from '../../src/decode/decoder.js';
import { PacketView } from '../../src/decode/packet-view.js';
import { DefragResult, Defragmenter } from '../../src/defrag/defragmenter.js';
import type { DefragConfig } from '../../src/defrag/defrag-config.js';
import { awsVxlan, eth, fragmentHdr, ipv4, ipv6 } from '../decode/builders.js';

export interface FragSpec {
  /** Byte offset (multiple of 8). */
  off: number;
  more: boolean;
  data: Uint8Array;
}

/** An Ethernet/IPv4 fragment of protocol `proto` (payload = the fragment's data). */
export function frag4(f: FragSpec, o: { id?: number; proto?: number; src?: string; dst?: string; vlan?: number } = {}): Uint8Array {
  const ip = ipv4({ proto: o.proto ?? 1, id: o.id ?? 1, flags: f.more ? 1 : 0, fragOffset: f.off, src: o.src ?? '1.1.1.1', dst: o.dst ?? '2.2.2.2' }, f.data);
  return eth({ type: 0x0800, vlans: o.vlan !== undefined ? [{ id: o.vlan }] : undefined }, ip);
}

/** An Ethernet/IPv6 fragment (fragment header right after the fixed header). */
export function frag6(f: FragSpec, o: { id?: number; proto?: number; src?: string; dst?: string } = {}): Uint8Array {
  const ip = ipv6({ nh: o.proto ?? 58, src: o.src ?? '2001:db8::1', dst: o.dst ?? '2001:db8::2', ext: [fragmentHdr(f.off, f.more, o.id ?? 1)] }, f.data);
  return eth({ type: 0x86dd }, ip);
}

export function fill(ch: string, n: number): Uint8Array {
  return new Uint8Array(n).fill(ch.charCodeAt(0));
}

/** Split `payload` into fragments of `size` bytes (multiple of 8). */
export function split(payload: Uint8Array, size: number): FragSpec[] {
  const out: FragSpec[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const end = Math.min(payload.length, off + size);
    out.push({ off, more: end < payload.length, data: payload.subarray(off, end) });
  }
  return out;
}

export { awsVxlan };

export interface Fed {
  results: DefragResult[];
  /** Rebuilt datagrams (the IP datagram only, from out[outL3]). */
  datagrams: Uint8Array[];
  /** Events (DecodeEvent ids) on each fed frame. */
  events: number[][];
  counters: DecodeCounters;
  defrag: Defragmenter;
  rebuilt: PacketView[];
}

/** Feed frames (Ethernet) through decoder + defragmenter; t = packet time per frame (s). */
export function feed(frames: Uint8Array[], cfg: Partial<DefragConfig> = {}, times?: number[], defrag = new Defragmenter(cfg)): Fed {
  const counters = new DecodeCounters();
  const p = new PacketView();
  const res: Fed = { results: [], datagrams: [], events: [], counters, defrag, rebuilt: [] };
  frames.forEach((f, i) => {
    p.setFrame(f, 0, f.length, f.length, 1);
    p.frameNo = i + 1;
    p.tsSec = times ? times[i]! : 1000;
    decodeFrame(p, counters);
    const r = defrag.insert(p, counters);
    res.results.push(r);
    res.events.push(Array.from(p.events.subarray(0, p.eventCount)));
    if (r === DefragResult.Complete) {
      res.datagrams.push(defrag.out.slice(defrag.outL3, defrag.outLen));
      const rp = new PacketView();
      decodeRebuilt(rp, p, defrag.out.slice(0, defrag.outLen), defrag.outL3, defrag.outLen, counters);
      res.rebuilt.push(rp);
    }
  });
  return res;
}
