/**
 * Issue 16 item 4: a reload whose rules files have rules that fail to load is refused like a
 * broken configuration (the running rules stay), unless rules.allow_failures says so.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { httpGet, httpPost, metric, parseMetrics, startInProcess, tmpDir, writeConfig } from './harness.js';

const GOOD = ['alert udp any any -> any 53 (msg:"a"; content:"example"; sid:1;)', 'alert tcp any any -> any 80 (msg:"b"; content:"GET"; pcre:"/(a|aa)+$/"; sid:2;)'].join('\n') + '\n';

async function rulesLoaded(base: string): Promise<number | undefined> {
  return metric(parseMetrics((await httpGet(base, '/metrics')).text), 'mirrorsink_detect_rules_loaded');
}

describe('serve: reload with rules that fail to load', () => {
  it('is refused unless rules.allow_failures: true', async () => {
    const dir = tmpDir();
    const rules = path.join(dir, 'local.rules');
    writeFileSync(rules, GOOD);
    const file = writeConfig(dir, 'sessions:\n  - { name: eni-a, vni: 101 }\nrules:\n  files: [local.rules]\nhttp: { reload_token: test-reload-token }\n');
    const s = await startInProcess({ file, flags: { noGeneve: true } });
    try {
      expect(await rulesLoaded(s.base)).toBe(2);
      // A typo in one rule: 3 rules in the file, 1 fails.
      writeFileSync(rules, GOOD + 'alert tcp any any -> any any (msg:"typo"; contnt:"x"; sid:3;)\n');
      const bad = await httpPost(s.base, '/api/reload', { authorization: 'Bearer test-reload-token' });
      expect(bad.status).toBe(422);
      expect(bad.json.problems[0]).toContain(`${file}: rules.files: 1 rule(s) failed to load, first ${rules}:3 (sid 3): `);
      expect(bad.json.problems[0]).toContain('rules.allow_failures: true');
      expect(s.logs.messages().some((l) => l.startsWith('reload refused, the running configuration is kept'))).toBe(true);
      expect(await rulesLoaded(s.base)).toBe(2);

      // The configuration allows skipped rules: the reload goes ahead with the two that load.
      writeConfig(dir, readFileSync(file, 'utf8').replace('files: [local.rules]', 'files: [local.rules]\n  allow_failures: true'));
      const ok = await httpPost(s.base, '/api/reload', { authorization: 'Bearer test-reload-token' });
      expect(ok.status).toBe(200);
      expect(await rulesLoaded(s.base)).toBe(2);
    } finally {
      await s.stop();
    }
  });

  it('rules.allow_failures must be a boolean (file, line and key named)', async () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'local.rules'), GOOD);
    const file = writeConfig(dir, 'rules:\n  files: [local.rules]\n  allow_failures: maybe\n');
    await expect(startInProcess({ file })).rejects.toThrow(new RegExp(`${file}:3: rules\\.allow_failures: must be true or false, got 'maybe'`));
  });
});
