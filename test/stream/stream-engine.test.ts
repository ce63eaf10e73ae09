import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FlowCounter } from '../../src/flow/flow-counters.js';
import { StreamCounter } from '../../src/stream/stream-counters.js';
import { TcpSsnState } from '../../src/stream/tcp-session.js';
import { ACK, FIN, HANDSHAKE, PSH, RST, SYN, run, type Seg } from './conversation.js';

const C = 1; // flowDirection to_server
const S = 2;

describe('stream engine: reassembly', () => {
  it('in order, small: inspected once at flow end (pseudo packet), both segments stream-added', () => {
    const { rec, stream } = run([
      ...HANDSHAKE,
      { from: 'c', flags: ACK | PSH, rel: 0, data: 'hello ' },
      { from: 'c', flags: ACK | PSH, rel: 6, data: 'world' },
      { from: 's', flags: ACK, ackRel: 11 },
    ]);
    expect(rec.text(C)).toBe('hello world');
    expect(rec.windows).toHaveLength(1);
    expect(rec.windows[0]!.pseudo).toBe(true);
    expect(rec.added(3)).toBe(true);
    expect(rec.added(4)).toBe(true);
    expect(rec.added(5)).toBe(false);
    expect(stream.counters[StreamCounter.Sessions]).toBe(1);
    expect(stream.counters[StreamCounter.Pseudo]).toBe(1);
    expect(stream.store.memuse).toBe(0);
    expect(stream.sessions.active).toBe(0);
  });

  it('the same through VXLAN', () => {
    const { rec } = run(
      [...HANDSHAKE, { from: 'c', flags: ACK, rel: 0, data: 'hello ' }, { from: 'c', flags: ACK, rel: 6, data: 'world' }, { from: 's', flags: ACK, ackRel: 11 }],
      {},
      { vxlan: true },
    );
    expect(rec.text(C)).toBe('hello world');
  });

  it('chunk size: ACKed data >= 2560 is inspected on the next packet in its own direction', () => {
    const a = 'a'.repeat(1000);
    const { rec } = run([
      ...HANDSHAKE,
      { from: 'c', flags: ACK, rel: 0, data: a },
      { from: 'c', flags: ACK, rel: 1000, data: a },
      { from: 'c', flags: ACK, rel: 2000, data: a },
      { from: 's', flags: ACK, ackRel: 3000 }, // frame 7: to_client, does not inspect client data
      { from: 'c', flags: ACK, rel: 3000 }, // frame 8
    ]);
    expect(rec.windows).toHaveLength(1);
    expect(rec.windows[0]).toMatchObject({ dir: C, frame: 8, pseudo: false });
    expect(rec.windows[0]!.text.length).toBe(3000);
  });

  it('unACKed data waits for the ACK (below chunk size) and is flushed at flow end', () => {
    const { rec } = run([...HANDSHAKE, { from: 'c', flags: ACK, rel: 0, data: 'x'.repeat(3000) }, { from: 'c', flags: ACK, rel: 3000 }]);
    expect(rec.windows).toHaveLength(1);
    expect(rec.windows[0]!.pseudo).toBe(true);
  });

  it('out of order segments come out in order', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 'c', flags: ACK, rel: 6, data: 'world' },
      { from: 'c', flags: ACK, rel: 0, data: 'hello ' },
      { from: 's', flags: ACK, ackRel: 11 },
    ]);
    expect(rec.text(C)).toBe('hello world');
    expect(rec.windows).toHaveLength(1);
  });

  it('retransmissions are stored once and counted as overlap', () => {
    const { rec, stream } = run([
      ...HANDSHAKE,
      { from: 'c', flags: ACK, rel: 0, data: 'hello ' },
      { from: 'c', flags: ACK, rel: 0, data: 'hello ' },
      { from: 'c', flags: ACK, rel: 6, data: 'world' },
      { from: 's', flags: ACK, ackRel: 11 },
    ]);
    expect(rec.text(C)).toBe('hello world');
    expect(rec.added(4)).toBe(true);
    expect(stream.counters[StreamCounter.Overlap]).toBe(1);
  });

  it('BSD overlap policy: first-seen bytes win unless the new segment starts before the stored one', () => {
    const later = run([...HANDSHAKE, { from: 'c', flags: ACK, rel: 0, data: 'AAAA' }, { from: 'c', flags: ACK, rel: 2, data: 'BBBB' }, { from: 's', flags: ACK, ackRel: 6 }]);
    expect(later.rec.text(C)).toBe('AAAABB');
    const earlier = run([...HANDSHAKE, { from: 'c', flags: ACK, rel: 2, data: 'XXXX' }, { from: 'c', flags: ACK, rel: 0, data: 'YYYY' }, { from: 's', flags: ACK, ackRel: 6 }]);
    expect(earlier.rec.text(C)).toBe('YYYYXX');
    const same = run([...HANDSHAKE, { from: 'c', flags: ACK, rel: 0, data: 'AAAA' }, { from: 'c', flags: ACK, rel: 0, data: 'BBBBBB' }, { from: 's', flags: ACK, ackRel: 6 }]);
    expect(same.rec.text(C)).toBe('AAAABB');
  });

  it('check-overlap-different-data counts tcp.overlap_diff_data', () => {
    const { stream } = run([...HANDSHAKE, { from: 'c', flags: ACK, rel: 0, data: 'AAAA' }, { from: 'c', flags: ACK, rel: 0, data: 'ABBA' }], { checkOverlapDifferentData: true });
    expect(stream.counters[StreamCounter.OverlapDiffData]).toBe(1);
  });

  it('gaps: data that never came is skipped, windows are not joined, the gap is counted', () => {
    const { rec, stream } = run([
      ...HANDSHAKE,
      { from: 'c', flags: ACK, rel: 0, data: 'aaaa' },
      { from: 'c', flags: ACK, rel: 8, data: 'cccc' },
      { from: 's', flags: ACK, ackRel: 12 },
    ]);
    expect(rec.windows.map((w) => w.text)).toEqual(['aaaa', 'cccc']);
    expect(stream.counters[StreamCounter.ReassemblyGap]).toBe(1);
  });

  it('server data is inspected in its own direction', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 'c', flags: ACK, rel: 0, data: 'GET' },
      { from: 's', flags: ACK, rel: 0, ackRel: 3, data: 'HTTP/1.1 200' },
      { from: 'c', flags: ACK, rel: 3, ackRel: 12 },
    ]);
    expect(rec.text(C)).toBe('GET');
    expect(rec.text(S)).toBe('HTTP/1.1 200');
  });
});

describe('stream engine: session states', () => {
  it('RST closes the session and flushes its own direction on the RST; its payload is not stored', () => {
    const { rec, stream } = run([
      ...HANDSHAKE,
      { from: 'c', flags: ACK, rel: 0, data: 'hello' },
      { from: 's', flags: ACK, ackRel: 5 },
      { from: 'c', flags: RST | ACK, rel: 5, data: 'zzz' },
    ]);
    expect(rec.windows).toEqual([{ dir: C, frame: 6, pseudo: false, text: 'hello' }]);
    expect(rec.added(5)).toBe(false);
    expect(stream.counters[StreamCounter.Rst]).toBe(1);
  });

  it('port reuse: a SYN with a new ISN after the session closed starts a new flow and session; a retransmitted SYN does not', () => {
    const first: Seg[] = [
      ...HANDSHAKE,
      { from: 'c', flags: ACK, rel: 0, data: 'hello' },
      { from: 's', flags: ACK, ackRel: 5 },
      { from: 'c', flags: RST | ACK, rel: 5 },
    ];
    // The client connects again from the same port with ISN 9000 (Suricata: TcpSessionReuseDoneEnough).
    const again: Seg[] = [
      { from: 'c', flags: SYN, seq: 9000 },
      { from: 's', flags: SYN | ACK, seq: 7000, ack: 9001 },
      { from: 'c', flags: ACK, seq: 9001, ack: 7001 },
      { from: 'c', flags: ACK | PSH, seq: 9001, ack: 7001, data: 'again' },
      { from: 's', flags: ACK, seq: 7001, ack: 9006 },
    ];
    const reused = run([...first, ...again]);
    expect(reused.rec.text(C)).toBe('helloagain');
    // The first flow ended when the second began: two flows, two TCP sessions.
    expect(reused.ft.counters[FlowCounter.TotalTcp]).toBe(2);
    expect(reused.stream.counters[StreamCounter.Sessions]).toBe(2);
    // The same ISN again is a retransmission of the first SYN: the flow and session go on.
    const retransmitted = run([...first, { from: 'c', flags: SYN }, ...again.slice(1)]);
    expect(retransmitted.ft.counters[FlowCounter.TotalTcp]).toBe(1);
    expect(retransmitted.stream.counters[StreamCounter.Sessions]).toBe(1);
  });

  it('FIN handshake: the session reaches CLOSED on the last ACK', () => {
    const { rec, stream, pipeline } = run([
      ...HANDSHAKE,
      { from: 'c', flags: ACK, rel: 0, data: 'hello' },
      { from: 'c', flags: ACK | FIN, rel: 5, ackRel: 0 },
      { from: 's', flags: ACK | FIN, rel: 0, ackRel: 6 },
      { from: 'c', flags: ACK, rel: 6, ackRel: 1 },
    ]);
    // Flushed on the client's last ACK (same direction as the data, state CLOSED).
    expect(rec.windows).toEqual([{ dir: C, frame: 7, pseudo: false, text: 'hello' }]);
    expect(stream.counters[StreamCounter.Pseudo]).toBe(0);
    expect(pipeline.frames).toBe(7);
  });

  it('midstream off: a flow whose SYN was missed has no session; on: picked up', () => {
    const segs: Seg[] = [
      { from: 'c', flags: ACK, rel: 0, data: 'hello' },
      { from: 's', flags: ACK, ackRel: 5 },
    ];
    const off = run(segs);
    expect(off.rec.windows).toEqual([]);
    expect(off.rec.added(0)).toBe(false);
    expect(off.stream.counters[StreamCounter.Sessions]).toBe(0);
    const on = run(segs, { midstream: true });
    expect(on.rec.added(0)).toBe(true);
    expect(on.rec.text(C)).toBe('hello');
    expect(on.stream.counters[StreamCounter.Midstream]).toBe(1);
  });

  it('midstream SYN/ACK pickup makes the SYN/ACK sender the server', () => {
    const { rec } = run(
      [
        { from: 's', flags: SYN | ACK },
        { from: 'c', flags: ACK, rel: 0, data: 'hi' },
        { from: 's', flags: ACK, ackRel: 2 },
      ],
      { midstream: true },
    );
    expect(rec.text(C)).toBe('hi');
  });

  it('async-oneside: SYN then the same side ACK with data', () => {
    const segs: Seg[] = [{ from: 'c', flags: SYN }, { from: 'c', flags: ACK, rel: 0, data: 'one side' }];
    expect(run(segs).rec.windows).toEqual([]);
    const on = run(segs, { asyncOneside: true });
    expect(on.rec.text(C)).toBe('one side');
  });

  it('split handshake (SYN answered by SYN, then SYN/ACK, ACK from the server) establishes', () => {
    const { rec } = run([
      { from: 'c', flags: SYN },
      { from: 's', flags: SYN },
      { from: 'c', flags: SYN | ACK, seq: 1000, ack: 5001 },
      { from: 's', flags: ACK, ackRel: 0 },
      { from: 'c', flags: ACK, rel: 0, data: 'EVIL' },
      { from: 's', flags: ACK, ackRel: 4 },
    ]);
    expect(rec.added(4)).toBe(true);
    expect(rec.text(C)).toBe('EVIL');
  });

  it('data before the handshake completes is not stream-added', () => {
    const { rec } = run([{ from: 'c', flags: SYN }, { from: 's', flags: SYN | ACK }, { from: 'c', flags: PSH, rel: 0, data: 'early' }]);
    expect(rec.added(2)).toBe(false);
    expect(rec.windows).toEqual([]);
  });

  it('state after the handshake', () => {
    const { stream } = run(HANDSHAKE.slice(0, 2));
    expect(stream.sessions.state[0]).toBe(TcpSsnState.None); // cleared at flow end
    expect(stream.counters[StreamCounter.Syn]).toBe(1);
    expect(stream.counters[StreamCounter.SynAck]).toBe(1);
  });
});

describe('stream engine: limits', () => {
  it('depth: data beyond it is not stored, later packets are not stream-added', () => {
    const { rec, stream } = run(
      [...HANDSHAKE, { from: 'c', flags: ACK, rel: 0, data: 'hello' }, { from: 'c', flags: ACK, rel: 5, data: 'xyz' }, { from: 's', flags: ACK, ackRel: 8 }],
      { depth: 4 },
    );
    expect(rec.text(C)).toBe('hell');
    expect(rec.added(3)).toBe(true);
    expect(rec.added(4)).toBe(false);
    expect(stream.counters[StreamCounter.StreamDepthReached]).toBe(1);
    // Depth reached flushes at once: the to_server packet after the ACK would inspect; here the
    // window went at the first to_server packet after it was ACKed or at flow end.
    expect(rec.windows).toHaveLength(1);
  });

  it('reassembly memcap: refused segments are counted, not stored, and inspected as packets', () => {
    const { rec, stream } = run([...HANDSHAKE, { from: 'c', flags: ACK, rel: 0, data: 'hello' }], { reassemblyMemcap: 100 });
    expect(stream.counters[StreamCounter.SegmentMemcapDrop]).toBe(1);
    expect(rec.added(3)).toBe(false);
    expect(rec.windows).toEqual([]);
  });

  it('session memcap: sessions beyond it are refused and counted', () => {
    const segs: Seg[] = [{ from: 'c', flags: SYN }];
    const { stream } = run(segs, { memcap: 1 });
    expect(stream.counters[StreamCounter.Sessions]).toBe(1);
    expect(stream.sessions.active).toBe(0);
  });
});

describe('stream engine: property', () => {
  it('any order of segments, duplicates and garbage never throws; complete data comes out whole', () => {
    const text = 'The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.';
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 255 })), { maxLength: 5 }),
        (cuts, order, garbage) => {
          const points = [...new Set([0, ...cuts, text.length])].sort((a, b) => a - b);
          const pieces: Seg[] = [];
          for (let i = 0; i + 1 < points.length; i++) {
            pieces.push({ from: 'c', flags: ACK, rel: points[i]!, data: text.slice(points[i]!, points[i + 1]!) });
          }
          // Shuffle deterministically from `order`, then add duplicates.
          const shuffled = pieces.slice();
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = (order[i % Math.max(1, order.length)] ?? 0) % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          const dups = order.slice(0, 5).map((o) => pieces[o % pieces.length]!);
          const junk: Seg[] = garbage.map(([seq, flags]) => ({ from: flags & 1 ? 's' : 'c', flags, seq, ack: seq ^ 0x5a5a5a5a, data: 'junk' }));
          const segs = [...HANDSHAKE, ...shuffled, ...dups, { from: 's' as const, flags: ACK, ackRel: text.length }];
          const clean = run(segs);
          expect(clean.rec.text(C)).toBe(text);
          // Garbage anywhere: no throw.
          run([...HANDSHAKE, ...junk, ...shuffled, ...junk, ...dups]);
          run([...junk, ...segs], { midstream: true, asyncOneside: true, depth: 17 });
        },
      ),
      { numRuns: 150, seed: 42 },
    );
  });
});
