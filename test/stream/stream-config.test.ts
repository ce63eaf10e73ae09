import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { DEFAULT_STREAM_CONFIG, parseSize, parseStreamOptions } from '../../src/stream/stream-config.js';
import { STREAM_COUNTER_NAMES, StreamCounter } from '../../src/stream/stream-counters.js';
import { STREAM_EVENT_NAMES, StreamEvent, streamEventId } from '../../src/stream/stream-events.js';

describe('stream configuration', () => {
  it("has Suricata's defaults", () => {
    expect(DEFAULT_STREAM_CONFIG).toMatchObject({
      midstream: false,
      asyncOneside: false,
      memcap: 64 * 2 ** 20,
      reassemblyMemcap: 256 * 2 ** 20,
      depth: 2 ** 20,
      toserverChunkSize: 2560,
      toclientChunkSize: 2560,
    });
  });

  it("reads Suricata's key names and size strings", () => {
    const problems: string[] = [];
    const r = parseStreamOptions({ midstream: true, 'async-oneside': 'yes', memcap: '32mb', reassembly: { depth: 0, memcap: '1gb', 'toserver-chunk-size': 4096 } }, problems);
    expect(problems).toEqual([]);
    expect(r).toEqual({ enabled: true, cfg: { midstream: true, asyncOneside: true, memcap: 32 * 2 ** 20, depth: 0, reassemblyMemcap: 2 ** 30, toserverChunkSize: 4096 } });
    expect(parseSize('256 KiB')).toBe(262144);
    expect(parseSize('lots')).toBeNull();
  });

  it('names bad keys and values', () => {
    const problems: string[] = [];
    parseStreamOptions({ midstrem: true, memcap: 'x', reassembly: { depth: -1, 'randomize-chunk-size': true } }, problems);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^midstrem: unknown key/);
  });

  it('the configuration file takes a stream section, or false', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ms-stream-'));
    const f = path.join(dir, 'c.yaml');
    writeFileSync(f, 'stream:\n  midstream: true\n  reassembly:\n    depth: 4mb\n');
    expect(loadConfig({ file: f, env: {} }).config.stream).toEqual({ midstream: true, reassembly: { depth: '4mb' } });
    writeFileSync(f, 'stream: false\n');
    expect(loadConfig({ file: f, env: {} }).config.stream).toEqual({ enabled: false });
  });

  it('counter and event tables line up', () => {
    expect(STREAM_COUNTER_NAMES).toHaveLength(StreamCounter.Count);
    expect(STREAM_COUNTER_NAMES[StreamCounter.ReassemblyGap]).toBe('tcp.reassembly_gap');
    expect(STREAM_EVENT_NAMES).toHaveLength(StreamEvent.Count);
    expect(streamEventId('stream.reassembly_seq_gap')).toBe(StreamEvent.ReassemblySeqGap);
  });
});
