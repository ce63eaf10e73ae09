import { describe, expect, it } from 'vitest';
import { FrameRing, RECORD_HEADER_BYTES } from '../../src/pipeline/frame-ring.js';

function frame(n: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (n + i) & 0xff;
  return b;
}

describe('FrameRing', () => {
  it('hands frames over in order with their header fields, across the ring end many times', () => {
    const producer = FrameRing.create(1 << 16);
    const consumer = new FrameRing(producer.shared);
    let next = 0;
    let taken = 0;
    for (let n = 0; n < 2000; n++) {
      const len = 60 + ((n * 37) % 1400);
      const f = frame(n, len + 4);
      while (!producer.pushFrame(f, 4, len, len + 10, 1, 1_700_000_000 + n, n * 1000, n + 1)) {
        producer.publish();
        // Full: the consumer takes everything there is.
        for (let pos = consumer.peek(); pos >= 0; pos = consumer.peek()) {
          expect(consumer.frameNo(pos)).toBe(next + 1);
          const l = consumer.caplen(pos);
          expect(l).toBe(60 + ((next * 37) % 1400));
          expect(consumer.wirelen(pos)).toBe(l + 10);
          expect(consumer.linktype(pos)).toBe(1);
          expect(consumer.tsSec(pos)).toBe(1_700_000_000 + next);
          expect(consumer.tsNsec(pos)).toBe(next * 1000);
          expect(consumer.u8[pos + RECORD_HEADER_BYTES]).toBe((next + 4) & 0xff);
          expect(consumer.u8[pos + RECORD_HEADER_BYTES + l - 1]).toBe((next + 4 + l - 1) & 0xff);
          consumer.release(pos);
          next++;
          taken++;
        }
      }
    }
    producer.close(123);
    for (let pos = consumer.peek(); pos >= 0; pos = consumer.peek()) {
      expect(consumer.frameNo(pos)).toBe(next + 1);
      consumer.release(pos);
      next++;
      taken++;
    }
    expect(taken).toBe(2000);
    expect(consumer.closed).toBe(true);
    expect(consumer.endSec).toBe(123);
    expect(producer.used).toBe(0);
  });

  it('shows nothing to the consumer until published, and refuses a record when full', () => {
    const producer = FrameRing.create(1 << 16);
    const consumer = new FrameRing(producer.shared);
    const f = frame(1, 1000);
    expect(producer.pushFrame(f, 0, 1000, 1000, 1, 1, 0, 1)).toBe(true);
    expect(consumer.peek()).toBe(-1);
    producer.publish();
    expect(consumer.peek()).toBeGreaterThanOrEqual(0);
    let pushed = 1;
    while (producer.pushFrame(f, 0, 1000, 1000, 1, 1, 0, 1)) pushed++;
    expect(pushed).toBe(Math.floor((1 << 16) / (RECORD_HEADER_BYTES + 1000)));
  });

  it('cuts a frame longer than a quarter of the ring', () => {
    const producer = FrameRing.create(1 << 16);
    const consumer = new FrameRing(producer.shared);
    const big = frame(0, 40000);
    expect(producer.pushFrame(big, 0, 40000, 40000, 1, 0, 0, 1)).toBe(true);
    producer.publish();
    expect(consumer.caplen(consumer.peek())).toBe(producer.maxFrameBytes);
  });
});
