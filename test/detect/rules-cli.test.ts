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
  const text = ['alert tcp $HOME_NET any -> any 80 (msg:"ok"; content:"x"; sid:1;)', 'alert quic any any -> any any (msg:"h"; sid:2;)', 'alert tcp any any -> any any (msg:"u"; krb5.cname; content:"x"; sid:3;)', 'alert tcp $MYNET any -> any any (msg:"v"; sid:4;)'].join('\n');

  it('--json: loaded, failed, failures by reason and each failure', async () => {
    const f = rulesFile(text);
    const { code, out } = await cli(['check', f, '--json']);
    // Issue 16: a failed rule makes the check fail (CI gates on it).
    expect(code).toBe(1);
    const j = JSON.parse(out);
    expect(j.loaded).toBe(1);
    expect(j.failed).toBe(3);
    expect(j.failures_by_reason).toEqual({ "unsupported keyword 'krb5.cname'": 1, "unsupported protocol 'quic'": 1, 'unknown variable': 1 });
    expect(j.failures[0]).toEqual({ file: f, line: 2, sid: 2, reason: "unsupported protocol 'quic': quic is not detected by mirrorsink" });
  });

  it('--var defines variables', async () => {
    const f = rulesFile(text);
    const j = JSON.parse((await cli(['check', f, '--json', '--var', 'MYNET=[10.0.0.0/8]', '--var', 'HOME_NET=10.1.0.0/16'])).out);
    expect(j.loaded).toBe(2);
  });

  it('text output summarises', async () => {
    const { code, out } = await cli(['check', rulesFile(text)]);
    expect(code).toBe(1);
    expect(out).toContain('loaded: 1\nfailed: 3\nfailures by reason:\n');
    expect(out).toContain('3 rule(s) failed to load: exit 1 (--allow-failures to accept)');
    expect(out).toMatch(/test\.rules:2 \(sid 2\): unsupported protocol 'quic'/);
  });

  it('exit status: 0 when every rule loads, 1 when one fails, 0 with --allow-failures', async () => {
    const good = rulesFile('alert tcp any any -> any any (msg:"a"; content:"x"; pcre:"/(a|aa)+$/"; sid:1;)\n');
    expect((await cli(['check', good])).code).toBe(0);
    const bad = rulesFile('alert tcp any any -> any any (msg:"a"; content:"x"; sid:1;)\nalert tcp any any -> any any (msg:"b"; contnt:"x"; sid:2;)\n');
    expect((await cli(['check', bad])).code).toBe(1);
    expect((await cli(['check', bad, '--json'])).code).toBe(1);
    expect((await cli(['check', bad, '--allow-failures'])).code).toBe(0);
    expect((await cli(['check', bad, '--json', '--allow-failures'])).code).toBe(0);
  });

  it('says which pcre engine runs and names pcres bounded by the step limit only', async () => {
    const f = rulesFile('alert tcp any any -> any any (msg:"a"; content:"x"; pcre:"/(\\w+)=\\1/"; sid:7;)\nalert tcp any any -> any any (msg:"b"; content:"y"; pcre:"/(a+)+$/"; sid:8;)\n');
    const { code, out } = await cli(['check', f]);
    expect(code).toBe(0);
    expect(out).toContain('pcre engine: bounded backtracking matcher');
    expect(out).toContain('note: sid 7: pcre');
    expect(out).toContain('(back references)');
    expect(out).not.toContain('sid 8');
    const j = JSON.parse((await cli(['check', f, '--json'])).out);
    expect(j.pcre_engine).toMatch(/bounded/);
    expect(j.pcre_notes).toEqual([{ sid: 7, reason: expect.stringContaining('back references') }]);
  });

  it('says which prefilter engine runs (native Hyperscan or the JavaScript automaton, and why)', async () => {
    const f = rulesFile('alert tcp any any -> any any (msg:"a"; content:"x"; sid:7;)\n');
    const { out } = await cli(['check', f]);
    expect(out).toMatch(/^prefilter engine: (Hyperscan \S+ .*\(native|JavaScript Aho-Corasick \(native Hyperscan prefilter )/m);
    expect(JSON.parse((await cli(['check', f, '--json'])).out).prefilter_engine).toMatch(/Hyperscan|JavaScript/);
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
