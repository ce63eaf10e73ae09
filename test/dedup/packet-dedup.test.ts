import { describe, expect, it } from 'vitest';
import { PacketDedup, DedupCounter } from '../../src/dedup/packet-dedup.js';
import { awsVxlan, decode, eth, ipv4, tcp } from '../decode/builders.js';
import type { PacketView } from '../../src/decode/packet-view.js';

/** The same inner TCP segment as mirrored from the sender's ENI (VNI 7, outer 10.0.1.10) or the receiver's. */
function copy(o: { vni?: number; outerSrc?: string; ttl?: number; seq?: number; mac?: number; payload?: string } = {}): Uint8Array {
  const inner = eth(
    { type: 0x0800, src: [2, 0, 0, 0, 0, o.mac ?? 1] },
    ipv4({ proto: 6, src: '10.1.0.5', dst: '10.2.0.9', ttl: o.ttl ?? 64 }, tcp({ sport: 40000, dport: 80, flags: 0x18, seq: o.seq ?? 1000 }, new TextEncoder().encode(o.payload ?? 'GET / HTTP/1.1\r\n'))),
  );
  return awsVxlan(inner, o.vni ?? 7, { src: o.outerSrc ?? '10.0.1.10' });
}

function at(frame: Uint8Array, ms: number): PacketView {
  const { p } = decode(frame);
  p.tsSec = Math.floor(ms / 1000);
  p.tsNsec = (ms % 1000) * 1e6;
  return p;
}

describe('PacketDedup', () => {
  it('drops the second copy from another mirror source within the window', () => {
    const d = new PacketDedup({ windowMs: 100 });
    expect(d.isDuplicate(at(copy(), 1000))).toBe(false);
    // The receiver's ENI: other VNI, other outer source, other MACs, TTL one lower.
    expect(d.isDuplicate(at(copy({ vni: 8, outerSrc: '10.0.2.30', ttl: 63, mac: 9 }), 1003))).toBe(true);
    expect(d.counters[DedupCounter.Duplicates]).toBe(1);
  });

  it('keeps repeats from the same source (retransmissions) and copies outside the window', () => {
    const d = new PacketDedup({ windowMs: 100 });
    expect(d.isDuplicate(at(copy(), 1000))).toBe(false);
    expect(d.isDuplicate(at(copy(), 1010))).toBe(false);
    expect(d.isDuplicate(at(copy({ vni: 8 }), 1500))).toBe(false);
    expect(d.counters[DedupCounter.Duplicates]).toBe(0);
  });

  it('a retransmission mirrored from both ends is seen once per transmission', () => {
    const d = new PacketDedup({ windowMs: 500 });
    const seen = [
      d.isDuplicate(at(copy(), 1000)),
      d.isDuplicate(at(copy({ vni: 8 }), 1001)),
      d.isDuplicate(at(copy(), 1200)),
      d.isDuplicate(at(copy({ vni: 8 }), 1201)),
    ];
    expect(seen).toEqual([false, true, false, true]);
  });

  it('different packets are never merged', () => {
    const d = new PacketDedup({ windowMs: 100 });
    expect(d.isDuplicate(at(copy({ seq: 1 }), 1000))).toBe(false);
    expect(d.isDuplicate(at(copy({ seq: 2, vni: 8 }), 1000))).toBe(false);
    expect(d.isDuplicate(at(copy({ payload: 'GET /x HTTP/1.1\r\n', vni: 8 }), 1000))).toBe(false);
  });

  it('a full table overwrites the oldest entry and counts it', () => {
    const d = new PacketDedup({ windowMs: 1000, tableSize: 8 });
    for (let i = 0; i < 64; i++) d.isDuplicate(at(copy({ seq: i }), 1000 + i));
    expect(d.counters[DedupCounter.Evicted]).toBeGreaterThan(0);
    expect(d.counters[DedupCounter.Duplicates]).toBe(0);
  });
});
