import { describe, expect, it } from 'vitest';
import { FrameRing } from '../../src/pipeline/frame-ring.js';
import { PcapForwardReceiver, type PcapFrameWriter } from '../../src/pipeline/pcap-forward.js';

/** A writer that records the first byte of each frame (the test puts the frame number there). */
function recorder(): PcapFrameWriter & { got: number[] } {
  const got: number[] = [];
  return { got, writeFrame: (buf, start) => void got.push(buf[start]!) };
}

function push(ring: FrameRing, frameNo: number): void {
  const frame = Buffer.alloc(60, frameNo);
  expect(ring.pushFrame(frame, 0, frame.length, frame.length, 1, 1000 + frameNo, 0, frameNo)).toBe(true);
}

describe('PcapForwardReceiver (replay: frame order across workers)', () => {
  it('holds a record until no other worker can still precede it, then writes in frame order', () => {
    const w = recorder();
    const rx = new PcapForwardReceiver(2, w);
    const [a, b] = rx.shared.map((s) => new FrameRing(s));
    const lastPushed = new Int32Array(2);
    // Frames 1, 3 went to worker a; 2, 4 to worker b. a is done with both, b with none yet.
    lastPushed[0] = 3;
    lastPushed[1] = 4;
    push(a!, 1);
    push(a!, 3);
    a!.setProgress(3);
    rx.drainOrdered(lastPushed);
    // b's first frame is 2, but the reader does not know it: b's progress 0 holds frame 1 back.
    expect(w.got).toEqual([]);
    b!.setProgress(1);
    rx.drainOrdered(lastPushed);
    expect(w.got).toEqual([1]);
    // b forwards frame 2: it comes before a's 3, which waits until b is past 3 (the reader
    // does not know that b's next frame is 4).
    push(b!, 2);
    b!.setProgress(2);
    rx.drainOrdered(lastPushed);
    expect(w.got).toEqual([1, 2]);
    // b handled 4 without storing it (nothing to store): it is done, 3 goes.
    b!.setProgress(4);
    rx.drainOrdered(lastPushed);
    expect(w.got).toEqual([1, 2, 3]);
  });

  it('a worker that handled all it was given never holds the others back; the final drain empties every ring in order', () => {
    const w = recorder();
    const rx = new PcapForwardReceiver(3, w);
    const rings = rx.shared.map((s) => new FrameRing(s));
    const lastPushed = new Int32Array(3);
    lastPushed[0] = 5; // worker 2 was given nothing
    lastPushed[1] = 6;
    push(rings[0]!, 5);
    push(rings[1]!, 6);
    rings[1]!.publish();
    rings[0]!.setProgress(5);
    rx.drainOrdered(lastPushed);
    // Worker 1's next record (6) is later, worker 2 has handled all it was given (nothing),
    // and worker 0 has handled all it was given (5): both go.
    expect(w.got).toEqual([5, 6]);
    // Worker 1 has not said it handled 6 past 7: 7 waits, until the final drain.
    lastPushed[0] = 7;
    push(rings[0]!, 7);
    rings[0]!.publish();
    rx.drainOrdered(lastPushed);
    expect(w.got).toEqual([5, 6]);
    rx.drainOrdered(lastPushed, true);
    expect(w.got).toEqual([5, 6, 7]);
    expect(rx.written).toBe(3);
  });

  it('serve: drains every ring as it comes', () => {
    const w = recorder();
    const rx = new PcapForwardReceiver(2, w);
    const rings = rx.shared.map((s) => new FrameRing(s));
    push(rings[1]!, 9);
    push(rings[0]!, 7);
    rings.forEach((r) => r.publish());
    rx.drainUnordered();
    expect(w.got.sort()).toEqual([7, 9]);
  });
});
