/**
 * suricata-verify, packet-level slice: each test's pcap through the real pipeline (capture
 * reader → decoder → flow table → detect → EVE), EVE lines parsed back, and every `checks`
 * filter of its test.yaml asserted as an exact count of records matching all `match` keys
 * (dotted keys like alert.signature_id reach into objects), as suricata-verify's runner does
 * (matching shared with the pool harness: suricata-verify-runner.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import YAML from 'yaml';
import { DetectEngine } from '../../src/detect/engine.js';
import { loadRuleFiles } from '../../src/detect/rule-loader.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { EveAlertSink } from '../../src/output/eve-alert.js';
import { MemoryLineWriter } from '../../src/output/eve-writer.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { readCaptureFile } from '../../src/source/capture-file.js';
import { corpusPath, describeWithCorpus } from '../helpers/corpus.js';
import { countMatches } from './suricata-verify-runner.js';

interface IndexEntry {
  name: string;
  dir: string;
  pcap: string;
  ruleFile: string[];
}

interface Check {
  filter?: { count: number; match: Record<string, unknown> };
}

describeWithCorpus('suricata-verify (packet-level slice)', () => {
  const root = corpusPath('suricata-verify');
  const index = JSON.parse(readFileSync(path.join(root, 'INDEX.json'), 'utf8')) as { tests: IndexEntry[] };

  it('has the 12 tests', () => {
    expect(index.tests).toHaveLength(12);
  });

  for (const t of index.tests) {
    it(t.name, () => {
      const dir = path.join(root, t.dir);
      const rs = loadRuleFiles(t.ruleFile.map((f) => path.join(dir, f)));
      expect(rs.failures).toEqual([]);
      const ft = new FlowTable({ hashSeed: 1 });
      const eve = new MemoryLineWriter();
      const engine = new DetectEngine(rs, ft, [new EveAlertSink(eve, { flow: ft })]);
      const pipeline = new Pipeline({ flow: ft, detect: engine });
      readCaptureFile(path.join(dir, t.pcap), pipeline);
      pipeline.finish();
      const records = eve.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const checks = (YAML.parse(readFileSync(path.join(dir, 'test.yaml'), 'utf8')) as { checks: Check[] }).checks;
      let n = 0;
      for (const c of checks) {
        if (!c.filter) continue;
        n++;
        const { count, match } = c.filter;
        const got = countMatches(match, records);
        expect(got, `${t.name}: ${JSON.stringify(match)}`).toBe(count);
      }
      expect(n).toBeGreaterThan(0);
    });
  }
});
