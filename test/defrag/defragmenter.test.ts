/**
 * The defragmenter on decoded frames: order, duplicates, IPv4/IPv6, VLAN and tunnel
 * separation, timeouts on packet time, bounded trackers/fragments/memory (counted, never
 * thrown), Suricata's events for bad fragments. Real decoder, real Defragmenter.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeEvent } from '../../src/decode/decode-events.js';
import { DefragCounter } from '../../src/defrag/defrag-counters.js';
import { DEFAULT_DEFRAG_CONFIG } from '../../src/defrag/defrag-config.js';
import { DefragPolicy } from '../../src/defrag/defrag-policy.js';
import { DefragResult, Defragmenter } from '../../src/defrag/defragmenter.js';
import { awsVxlan, eth, fragmentHdr, ipv4, ipv6, udp } from '../decode/builders.js';
import { feed, fill, frag4, frag6, split, type FragSpec } from './helpers.js';

const datagram = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

/** A UDP datagram's bytes (header + payload) to fragment: the rebuilt one must decode as UDP. */
const udpBytes = (payload: Uint8Array) => udp({ sport: 5000, dport: 53 }, payload);

describe('defragmenter', () => {
  it('uses Suricata defaults', () => {
    expect(DEFAULT_DEFRAG_CONFIG).toMatchObject({ memcap: 32 * 1024 * 1024, hashSize: 65536, trackers: 65535, maxFrags: 65535, timeout: 60, ipv4Policy: DefragPolicy.Windows, ipv6Policy: DefragPolicy.Bsd });
  });

  it('IPv4 in order: rebuilt datagram has the payload, ip_len, no MF/offset and a valid checksum', () => {
    const payload = udpBytes(datagram(1200));
    const fed = feed(split(payload, 480).map((f) => frag4(f, { proto: 17, id: 77 })));
    expect(fed.results).toEqual([DefragResult.Held, DefragResult.Held, DefragResult.Complete]);
    const d = fed.datagrams[0]!;
    expect(((d[2]! << 8) | d[3]!) >>> 0).toBe(20 + payload.length);
    expect(d[6]! & 0x3f).toBe(0);
    expect(d[7]).toBe(0);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (d[i]! << 8) | d[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(sum).toBe(0xffff);
    expect(Buffer.from(d.subarray(20)).equals(Buffer.from(payload))).toBe(true);
    const rp = fed.rebuilt[0]!;
    expect(rp.rebuilt).toBe(true);
    expect(rp.isFragment).toBe(false);
    expect(rp.ipProto).toBe(17);
    expect(rp.dport).toBe(53);
    expect(rp.payloadLen).toBe(1200);
    expect(rp.frameNo).toBe(0);
    expect(rp.rootFrameNo).toBe(3);
    const c = fed.defrag.counters.values;
    expect(c[DefragCounter.Ipv4Fragments]).toBe(3);
    expect(c[DefragCounter.Ipv4Reassembled]).toBe(1);
    expect(fed.defrag.activeTrackers).toBe(0);
    expect(fed.defrag.memuse).toBe(0);
  });

  it('keeps the first fragment\'s link header (VLAN) in front of the rebuilt datagram', () => {
    const payload = udpBytes(datagram(100));
    const fed = feed(split(payload, 64).map((f) => frag4(f, { proto: 17, vlan: 42 })));
    expect(fed.results.at(-1)).toBe(DefragResult.Complete);
    expect(fed.defrag.outL3).toBe(18);
    expect(fed.defrag.out[12]).toBe(0x81);
    expect(fed.rebuilt[0]!.vlanIds[0]).toBe(42);
    expect(fed.rebuilt[0]!.vlanCount).toBe(1);
  });

  it('IPv4 reversed and shuffled orders give the same datagram', () => {
    const payload = udpBytes(datagram(1000));
    const frames = split(payload, 200).map((f) => frag4(f, { proto: 17 }));
    const fwd = feed(frames).datagrams[0]!;
    const rev = feed([...frames].reverse()).datagrams[0]!;
    const mixed = feed([frames[2]!, frames[0]!, frames[5]!, frames[1]!, frames[4]!, frames[3]!]).datagrams[0]!;
    expect(Buffer.from(rev).equals(Buffer.from(fwd))).toBe(true);
    expect(Buffer.from(mixed).equals(Buffer.from(fwd))).toBe(true);
  });

  it('IPv6: fragment header removed, next header restored, also behind a hop-by-hop header', () => {
    const payload = udpBytes(datagram(300));
    const fed = feed(split(payload, 128).map((f) => frag6(f, { proto: 17 })));
    expect(fed.results.at(-1)).toBe(DefragResult.Complete);
    const d = fed.datagrams[0]!;
    expect(d[6]).toBe(17);
    expect((d[4]! << 8) | d[5]!).toBe(payload.length);
    expect(Buffer.from(d.subarray(40)).equals(Buffer.from(payload))).toBe(true);
    expect(fed.rebuilt[0]!.dport).toBe(53);
    expect(fed.defrag.counters.values[DefragCounter.Ipv6Reassembled]).toBe(1);

    // Hop-by-hop (unfragmentable) before the fragment header: it stays, and now names UDP.
    const hbh = { type: 0, body: [1, 4, 0, 0, 0, 0] };
    const frames = split(payload, 128).map((f) => eth({ type: 0x86dd }, ipv6({ nh: 17, ext: [hbh, fragmentHdr(f.off, f.more, 9)] }, f.data)));
    const fed2 = feed(frames);
    const d2 = fed2.datagrams[0]!;
    expect(d2[6]).toBe(0);
    expect(d2[40]).toBe(17);
    expect((d2[4]! << 8) | d2[5]!).toBe(8 + payload.length);
    expect(fed2.rebuilt[0]!.dport).toBe(53);
  });

  it('a duplicated fragment sets the overlap event and changes nothing', () => {
    const payload = udpBytes(datagram(600));
    const frames = split(payload, 200).map((f) => frag4(f, { proto: 17 }));
    for (const policy of [DefragPolicy.Bsd, DefragPolicy.Windows, DefragPolicy.Linux, DefragPolicy.First, DefragPolicy.Last]) {
      const fed = feed([frames[0]!, frames[1]!, frames[1]!, frames[3]!, frames[2]!], { ipv4Policy: policy });
      expect(fed.events[2]!).toContain(DecodeEvent.Ipv4FragOverlap);
      expect(fed.events[1]).toEqual([]);
      expect(fed.results.at(-1)).toBe(DefragResult.Complete);
      expect(Buffer.from(fed.datagrams[0]!.subarray(20)).equals(Buffer.from(payload))).toBe(true);
      expect(fed.counters.events[DecodeEvent.Ipv4FragOverlap]).toBe(1);
    }
  });

  it('fragments of different IDs, VLANs, VNIs or protocols never mix', () => {
    const a = split(udpBytes(fill('a', 64)), 40);
    const b = split(udpBytes(fill('b', 64)), 40);
    // Same IP ID and addresses, different VLAN: two datagrams, each complete on its own.
    const fed = feed([frag4(a[0]!, { proto: 17, vlan: 1 }), frag4(b[0]!, { proto: 17, vlan: 2 }), frag4(a[1]!, { proto: 17, vlan: 1 }), frag4(b[1]!, { proto: 17, vlan: 2 })]);
    expect(fed.results).toEqual([DefragResult.Held, DefragResult.Held, DefragResult.Complete, DefragResult.Complete]);
    expect(fed.datagrams[0]![40]).toBe(0x61);
    expect(fed.datagrams[1]![40]).toBe(0x62);
    // Same inner packet in two VXLAN VNIs.
    const fedV = feed([awsVxlan(frag4(a[0]!, { proto: 17 }), 10), awsVxlan(frag4(b[0]!, { proto: 17 }), 11), awsVxlan(frag4(a[1]!, { proto: 17 }), 10), awsVxlan(frag4(b[1]!, { proto: 17 }), 11)]);
    expect(fedV.results).toEqual([DefragResult.Held, DefragResult.Held, DefragResult.Complete, DefragResult.Complete]);
    expect(fedV.datagrams[0]![40]).toBe(0x61);
    expect(fedV.rebuilt[0]!.vni).toBe(10);
    expect(fedV.rebuilt[1]!.vni).toBe(11);
    // Either direction of the address pair is the same tracker (Suricata's CMP_DEFRAGTRACKER).
    const fedR = feed([frag4(a[0]!, { proto: 17 }), frag4(a[1]!, { proto: 17, src: '2.2.2.2', dst: '1.1.1.1' })]);
    expect(fedR.results[1]).toBe(DefragResult.Complete);
  });

  it('VXLAN-wrapped fragments: the rebuilt datagram keeps the tunnel and starts at the inner Ethernet header', () => {
    const payload = udpBytes(datagram(900));
    const fed = feed(split(payload, 400).map((f) => awsVxlan(frag4(f, { proto: 17 }), 99)));
    expect(fed.results.at(-1)).toBe(DefragResult.Complete);
    expect(fed.defrag.outL3).toBe(14);
    const rp = fed.rebuilt[0]!;
    expect(rp.vni).toBe(99);
    expect(rp.tunnelDepth).toBe(1);
    expect(rp.outerDport).toBe(4789);
    expect(rp.payloadLen).toBe(900);
  });

  it('times out on packet time: a late last fragment starts afresh, the sweep frees what is left', () => {
    const frames = split(udpBytes(datagram(152)), 80).map((f) => frag4(f, { proto: 17 }));
    const late = feed(frames, {}, [1000, 1061]);
    expect(late.results).toEqual([DefragResult.Held, DefragResult.Held]);
    expect(late.defrag.counters.values[DefragCounter.TrackerSoftReuse]).toBe(1);
    expect(late.defrag.activeTrackers).toBe(1);
    late.defrag.expire(1061 + 60);
    expect(late.defrag.activeTrackers).toBe(1);
    late.defrag.expire(1061 + 61);
    expect(late.defrag.activeTrackers).toBe(0);
    expect(late.defrag.memuse).toBe(0);
    expect(late.defrag.counters.values[DefragCounter.TrackerTimeout]).toBe(1);
    // Within the timeout it completes.
    expect(feed(frames, {}, [1000, 1060]).results[1]).toBe(DefragResult.Complete);
  });

  it('bounded trackers: the table full of live datagrams refuses and counts, a timed-out one is taken over', () => {
    const first = (id: number) => frag4({ off: 0, more: true, data: fill('x', 16) }, { id });
    const d = new Defragmenter({ trackers: 2 });
    const fed = feed([first(1), first(2), first(3)], {}, [10, 10, 10], d);
    expect(fed.results[2]).toBe(DefragResult.Refused);
    expect(d.counters.values[DefragCounter.MaxTrackersReached]).toBe(1);
    expect(d.activeTrackers).toBe(2);
    feed([first(4)], {}, [100], d);
    expect(d.counters.values[DefragCounter.TrackerHardReuse]).toBe(1);
    expect(d.activeTrackers).toBe(2);
  });

  it('bounded fragments and memory: refused fragments get frag_ignored and are counted', () => {
    const frames = split(udpBytes(datagram(400)), 80).map((f) => frag4(f, { proto: 17 }));
    const fed = feed(frames.slice(0, 4), { maxFrags: 2 });
    expect(fed.results.slice(2)).toEqual([DefragResult.Refused, DefragResult.Refused]);
    expect(fed.events[2]!).toContain(DecodeEvent.Ipv4FragIgnored);
    expect(fed.defrag.counters.values[DefragCounter.MaxFragsReached]).toBe(2);
    const big = split(udpBytes(datagram(4000)), 1000).map((f) => frag4(f, { proto: 17 }));
    const mem = feed(big, { memcap: 2048 });
    expect(mem.defrag.counters.values[DefragCounter.Memcap]).toBeGreaterThan(0);
    expect(mem.defrag.memuse).toBeLessThanOrEqual(2048);
    expect(mem.counters.events[DecodeEvent.Ipv4FragIgnored]).toBeGreaterThan(0);
  });

  it('events: too large (IPv4 and IPv6), IPv6 invalid length; atomic IPv6 fragments are whole datagrams', () => {
    const tooBig = feed([frag4({ off: 8183 * 8, more: false, data: fill('A', 71) })]);
    expect(tooBig.results[0]).toBe(DefragResult.Refused);
    expect(tooBig.events[0]!).toContain(DecodeEvent.Ipv4FragPktTooLarge);
    const tooBig6 = feed([frag6({ off: 65528, more: false, data: fill('A', 16) })]);
    expect(tooBig6.events[0]!).toContain(DecodeEvent.Ipv6FragPktTooLarge);
    const odd = feed([frag6({ off: 0, more: true, data: fill('A', 13) })]);
    expect(odd.events[0]!).toContain(DecodeEvent.Ipv6FragInvalidLength);
    expect(odd.counters.events[DecodeEvent.Ipv6FragInvalidLength]).toBe(1);
    const atomic = feed([frag6({ off: 0, more: false, data: udpBytes(fill('A', 8)) }, { proto: 17 })]);
    expect(atomic.results[0]).toBe(DefragResult.NotFragment);
    expect(atomic.events[0]!).toContain(DecodeEvent.Ipv6ExthdrUselessFh);
  });

  it('a truncated fragment (snaplen / PacketLength) is counted, not stored', () => {
    const f = frag4({ off: 0, more: true, data: fill('A', 200) });
    const d = new Defragmenter();
    const fed = feed([f.subarray(0, 100)], {}, undefined, d);
    expect(fed.results[0]).toBe(DefragResult.Refused);
    expect(d.counters.values[DefragCounter.Truncated]).toBe(1);
  });

  it('property: any arrival order of the fragments rebuilds the same datagram (IPv4 and IPv6)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 9, max: 3000 }), fc.integer({ min: 1, max: 60 }), fc.integer(), fc.boolean(), (len, units, seed, v6) => {
        const payload = udpBytes(datagram(len));
        const parts = split(payload, units * 8);
        // Fisher-Yates with a seeded LCG: deterministic per case.
        let s = seed >>> 0;
        const order = parts.map((_, i) => i);
        for (let i = order.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const j = s % (i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        const frames = order.map((i) => (v6 ? frag6(parts[i]!, { proto: 17 }) : frag4(parts[i]!, { proto: 17 })));
        const fed = feed(frames);
        const hl = v6 ? 40 : 20;
        if (parts.length === 1) return fed.results[0] === (v6 ? DefragResult.NotFragment : DefragResult.NotFragment);
        return fed.datagrams.length === 1 && Buffer.from(fed.datagrams[0]!.subarray(hl)).equals(Buffer.from(payload)) && fed.defrag.activeFrags === 0;
      }),
      { numRuns: 150 },
    );
  });

  it('property: random fragments (garbage offsets, lengths, flags, overlaps) never throw and memory stays bounded', () => {
    const spec = fc.record({ off: fc.integer({ min: 0, max: 8191 }), more: fc.boolean(), len: fc.integer({ min: 0, max: 300 }), id: fc.integer({ min: 0, max: 3 }), v6: fc.boolean(), fill: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 60 }), fc.constantFrom(DefragPolicy.Bsd, DefragPolicy.Windows, DefragPolicy.Linux, DefragPolicy.First, DefragPolicy.Last, DefragPolicy.Solaris), (list, policy) => {
        const d = new Defragmenter({ ipv4Policy: policy, ipv6Policy: policy, memcap: 64 * 1024, trackers: 4, maxFrags: 40 });
        const frames = list.map((x) => {
          const f: FragSpec = { off: x.off * 8, more: x.more, data: new Uint8Array(x.len).fill(x.fill) };
          return x.v6 ? frag6(f, { id: x.id }) : frag4(f, { id: x.id });
        });
        feed(frames, {}, undefined, d);
        return d.memuse <= 64 * 1024 && d.activeFrags <= 40 && d.activeTrackers <= 4;
      }),
      { numRuns: 200 },
    );
  });
});
