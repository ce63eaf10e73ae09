import { describe, expect, it } from 'vitest';
import { formatEveTimestamp, formatFastLogTimestamp } from '../../src/output/eve-timestamp.js';

describe('EVE timestamps (local time, µs, numeric offset without colon)', () => {
  it('UTC', () => {
    process.env.TZ = 'UTC';
    // 2017-04-07T21:24:37.251547Z
    expect(formatEveTimestamp(1491600277, 251547891)).toBe('2017-04-07T21:24:37.251547+0000');
    expect(formatEveTimestamp(1491600277, 999)).toBe('2017-04-07T21:24:37.000000+0000');
    expect(formatFastLogTimestamp(1491600278, 5000)).toBe('04/07/2017-21:24:38.000005');
  });

  it('positive and half-hour negative offsets, DST', () => {
    process.env.TZ = 'Europe/London';
    expect(formatEveTimestamp(1491600300, 1000)).toBe('2017-04-07T22:25:00.000001+0100');
    expect(formatEveTimestamp(1483228800, 0)).toBe('2017-01-01T00:00:00.000000+0000');
    process.env.TZ = 'America/St_Johns';
    expect(formatEveTimestamp(1483228801, 0)).toBe('2016-12-31T20:30:01.000000-0330');
    process.env.TZ = 'UTC';
  });

  it('caches per second but never mixes seconds up', () => {
    process.env.TZ = 'UTC';
    const a = formatEveTimestamp(1700000000, 1000);
    const b = formatEveTimestamp(1700000001, 2000);
    const c = formatEveTimestamp(1700000000, 3000);
    expect([a, b, c]).toEqual(['2023-11-14T22:13:20.000001+0000', '2023-11-14T22:13:21.000002+0000', '2023-11-14T22:13:20.000003+0000']);
  });
});
