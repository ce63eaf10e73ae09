import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/commands/rules.js';
import { MirrorsinkError } from '../../src/errors.js';
import { DEFAULT_RULES_DIR } from '../../src/detect/rule-loader.js';
import { captureStdout } from '../helpers/stdout.js';

/** Run the command in-process, capturing stdout. */
function cli(args: string[]): Promise<{ code: number; out: string }> {
  return captureStdout(() => run(args));
}

afterEach(() => vi.restoreAllMocks());

function rulesFile(text: string): string {
  const f = path.join(mkdtempSync(path.join(tmpdir(), 'ms-cli-')), 'test.rules');
  writeFileSync(f, text);
  return f;
}

describe('mirrorsink rules check', () => {
  const text = ['alert tcp $HOME_NET any -> any 80 (msg:"ok"; content:"x"; sid:1;)', 'alert dns any any -> any any (msg:"h"; sid:2;)', 'alert tcp any any -> any any (msg:"u"; tls.sni; content:"x"; sid:3;)', 'alert tcp $MYNET any -> any any (msg:"v"; sid:4;)'].join('\n');

  it('--json: loaded, failed, failures by reason and each failure', async () => {
    const f = rulesFile(text);
    const { code, out } = await cli(['check', f, '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(j.loaded).toBe(1);
    expect(j.failed).toBe(3);
    expect(j.failures_by_reason).toEqual({ "unsupported keyword 'tls.sni'": 1, "unsupported protocol 'dns'": 1, 'unknown variable': 1 });
    expect(j.failures[0]).toEqual({ file: f, line: 2, sid: 2, reason: "unsupported protocol 'dns'" });
  });

  it('--var defines variables', async () => {
    const f = rulesFile(text);
    const j = JSON.parse((await cli(['check', f, '--json', '--var', 'MYNET=[10.0.0.0/8]', '--var', 'HOME_NET=10.1.0.0/16'])).out);
    expect(j.loaded).toBe(2);
  });

  it('text output summarises', async () => {
    const { code, out } = await cli(['check', rulesFile(text)]);
    expect(code).toBe(0);
    expect(out).toContain('loaded: 1\nfailed: 3\nfailures by reason:\n');
    expect(out).toMatch(/test\.rules:2 \(sid 2\): unsupported protocol 'dns'/);
  });

  it('a missing file is an E_RULE error (exit 1 from main); bad usage is E_USAGE', async () => {
    await expect(cli(['check', '/nonexistent.rules'])).rejects.toThrow(MirrorsinkError);
    await expect(cli(['check'])).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(cli(['lint', 'x'])).rejects.toMatchObject({ code: 'E_USAGE' });
  });

  it('the bundled default ruleset loads cleanly', async () => {
    const j = JSON.parse((await cli(['check', DEFAULT_RULES_DIR, '--json'])).out);
    expect(j.failed).toBe(0);
    expect(j.loaded).toBeGreaterThanOrEqual(15);
    expect(j.warnings).toEqual([]);
  });
});
