import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { DEFAULT_STREAM_CONFIG, parseSize } from '../../src/stream/stream-config.js';
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

  const configFile = (text: string) => {
    const f = path.join(mkdtempSync(path.join(tmpdir(), 'ms-stream-')), 'c.yaml');
    writeFileSync(f, text);
    return f;
  };
  const problemsOf = (file: string): string[] => {
    try {
      loadConfig({ file, env: {} });
      return [];
    } catch (err) {
      return String((err as Error).message).split('\n');
    }
  };

  it("reads Suricata's key names and size strings", () => {
    const f = configFile("stream:\n  midstream: true\n  async-oneside: yes\n  memcap: 32mb\n  reassembly:\n    depth: 0\n    memcap: 1gb\n    toserver-chunk-size: 4096\n");
    expect(loadConfig({ file: f, env: {} }).config.stream).toEqual({
      ...DEFAULT_STREAM_CONFIG,
      enabled: true,
      midstream: true,
      asyncOneside: true,
      memcap: 32 * 2 ** 20,
      depth: 0,
      reassemblyMemcap: 2 ** 30,
      toserverChunkSize: 4096,
    });
    expect(parseSize('256 KiB')).toBe(262144);
    expect(parseSize('lots')).toBeNull();
  });

  it('names bad keys and values with file:line', () => {
    const f = configFile("stream:\n  midstrem: true\n  memcap: x\n  reassembly:\n    depth: -1\n    randomize-chunk-size: true\n");
    const problems = problemsOf(f);
    for (const re of [/:2: stream\.midstrem: /, /:3: stream\.memcap: must be a size/, /:5: stream\.reassembly\.depth: must be a size/, /:6: stream\.reassembly\.randomize-chunk-size: is not supported/]) {
      expect(problems.some((p) => p.includes(f) && re.test(p)), `${re} in:\n${problems.join('\n')}`).toBe(true);
    }
  });

  it('the configuration file takes a stream section, or false; flows.midstream is the same switch', () => {
    expect(loadConfig({ file: configFile('stream:\n  midstream: true\n  reassembly:\n    depth: 4mb\n'), env: {} }).config.stream).toMatchObject({ enabled: true, midstream: true, depth: 4 * 2 ** 20 });
    expect(loadConfig({ file: configFile('stream: false\n'), env: {} }).config.stream).toMatchObject({ enabled: false });
    expect(loadConfig({ file: configFile('flows: { midstream: true }\n'), env: {} }).config.stream).toMatchObject({ enabled: true, midstream: true });
    expect(loadConfig({ file: configFile('sessions: []\n'), env: {} }).config.stream).toEqual({ ...DEFAULT_STREAM_CONFIG, enabled: true });
  });

  it('counter and event tables line up', () => {
    expect(STREAM_COUNTER_NAMES).toHaveLength(StreamCounter.Count);
    expect(STREAM_COUNTER_NAMES[StreamCounter.ReassemblyGap]).toBe('tcp.reassembly_gap');
    expect(STREAM_EVENT_NAMES).toHaveLength(StreamEvent.Count);
    expect(streamEventId('stream.reassembly_seq_gap')).toBe(StreamEvent.ReassemblySeqGap);
  });
});
