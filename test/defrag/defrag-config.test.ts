/** The `defrag:` configuration section (Suricata's names and defaults) and the defrag metrics. */
import { rmSync } from 'node:fs';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/problems.js';
import { DEFAULT_DEFRAG_CONFIG, parseSize } from '../../src/defrag/defrag-config.js';
import { DefragPolicy } from '../../src/defrag/defrag-policy.js';
import { Defragmenter } from '../../src/defrag/defragmenter.js';
import { registerDefragMetrics } from '../../src/metrics/defrag-metrics.js';
import { tmpDir, writeConfig } from '../server/harness.js';
import { feed, frag4, split } from './helpers.js';

const dir = tmpDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(yaml: string): string[] {
  try {
    loadConfig({ file: writeConfig(dir, yaml), env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('defrag configuration', () => {
  it('defaults to Suricata\'s when absent', () => {
    const { config } = loadConfig({ file: null, env: {} });
    expect(config.defrag).toEqual(DEFAULT_DEFRAG_CONFIG);
  });

  it('reads Suricata\'s keys, sizes with units and the policies', () => {
    const file = writeConfig(dir, 'defrag:\n  memcap: 64mb\n  hash-size: 1024\n  trackers: 500\n  max-frags: 2000\n  prealloc: yes\n  timeout: 30\n  ipv4-policy: bsd\n  ipv6-policy: linux\n');
    const { config } = loadConfig({ file, env: {} });
    expect(config.defrag).toEqual({ enabled: true, memcap: 64 * 1024 * 1024, hashSize: 1024, trackers: 500, maxFrags: 2000, timeout: 30, ipv4Policy: DefragPolicy.Bsd, ipv6Policy: DefragPolicy.Linux });
    expect(loadConfig({ file: writeConfig(dir, 'defrag: false\n'), env: {} }).config.defrag.enabled).toBe(false);
    expect(loadConfig({ file: writeConfig(dir, 'defrag:\n  enabled: no\n'), env: {} }).config.defrag.enabled).toBe(false);
  });

  it('names the file and key of every bad value', () => {
    const problems = problemsOf('defrag:\n  memcap: lots\n  timeout: 0\n  ipv4-policy: plan9\n  max_frags: 3\n');
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/mirrorsink\.yaml.*defrag\.memcap/);
    expect(problems.join('\n')).toMatch(/defrag\.timeout.*1 to 86400/);
    expect(problems.join('\n')).toMatch(/defrag\.ipv4-policy.*bsd/);
    expect(problems.join('\n')).toMatch(/defrag\.max_frags.*unknown key/);
  });

  it('parses Suricata sizes', () => {
    expect(parseSize('32mb')).toBe(32 * 1024 * 1024);
    expect(parseSize('512KB')).toBe(512 * 1024);
    expect(parseSize(1000)).toBe(1000);
    expect(parseSize('1gb')).toBe(1024 ** 3);
    expect(parseSize('12parsecs')).toBeNull();
  });
});

describe('defrag metrics', () => {
  it('publishes the counters under Suricata\'s names and memory/trackers as gauges', async () => {
    const registry = new Registry();
    const d = new Defragmenter();
    registerDefragMetrics(registry, () => d);
    const frames = split(new Uint8Array(300), 120).map((f) => frag4(f));
    feed(frames.slice(0, 2), {}, undefined, d);
    let text = await registry.metrics();
    expect(text).toContain('mirrorsink_defrag_total{counter="defrag.ipv4.fragments"} 2');
    expect(text).toContain('mirrorsink_defrag_trackers_active 1');
    expect(text).toMatch(/mirrorsink_defrag_memuse_bytes [1-9]/);
    feed(frames.slice(2), {}, undefined, d);
    text = await registry.metrics();
    expect(text).toContain('mirrorsink_defrag_total{counter="defrag.ipv4.reassembled"} 1');
    expect(text).toContain('mirrorsink_defrag_total{counter="defrag.max_trackers_reached"} 0');
    expect(text).toContain('mirrorsink_defrag_memuse_bytes 0');
  });
});
