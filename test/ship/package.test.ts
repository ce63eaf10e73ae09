/**
 * Issue 16 item 11: the packed tarball (`npm pack`) is complete and installable. Read from
 * `npm pack --dry-run --json` (scripts skipped: `npm test` has built dist/ already):
 *  - what the package runs and points to is in it: dist/src, the bin, examples/ (serve --help
 *    names examples/mirrorsink.yaml), the bundled rules, the native sources and build script,
 *    the systemd unit the operator guide names for a native install;
 *  - what needs the repository or dev dependencies is not: dist/bench, tests, TypeScript
 *    sources, captures, a local native build;
 *  - everything the packed JavaScript imports is a runtime dependency;
 *  - the native build runs on install and never fails it (a clear message instead).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';
import { runCli } from '../helpers/tools.js';

interface PackJson {
  files: { path: string }[];
}

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  /** Not set: mirrorsink is a command, not a library (it named a dist/src/index.js that never existed). */
  main?: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  allowScripts?: Record<string, unknown>;
  pnpm?: { onlyBuiltDependencies?: string[] };
};

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(REPO_ROOT, dir))) {
    const rel = `${dir}/${e}`;
    if (statSync(path.join(REPO_ROOT, rel)).isDirectory()) out.push(...walk(rel));
    else out.push(rel);
  }
  return out;
}

describe('npm pack: the tarball', () => {
  let files: Set<string>;
  beforeAll(() => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.status, r.stderr).toBe(0);
    files = new Set((JSON.parse(r.stdout) as PackJson[])[0]!.files.map((f) => f.path));
  }, 120_000);

  it('holds what the package runs and points to', () => {
    const required = [
      'package.json',
      'README.md',
      'LICENSE',
      ...(pkg.main !== undefined ? [pkg.main] : []),
      ...Object.values(pkg.bin),
      'native/binding.gyp',
      'native/udp_batch.c',
      'native/build.mjs',
      'deploy/systemd/mirrorsink.service',
      ...walk('examples'),
      ...walk('rules'),
      // All of the compiled sources.
      ...walk('dist/src'),
    ].map((p) => p.replace(/^\.\//, ''));
    expect(required.filter((p) => !files.has(p))).toEqual([]);
    expect([...files].some((f) => f.startsWith('examples/filters/'))).toBe(true);
  });

  it('holds every examples/ file that serve --help points to', () => {
    const help = runCli(['serve', '--help']);
    const named = [...`${help.stdout}${help.stderr}`.matchAll(/\bexamples\/[\w./-]*\w/g)].map((m) => m[0]);
    expect(named).toContain('examples/mirrorsink.yaml');
    expect(named.filter((p) => !files.has(p))).toEqual([]);
  });

  it('leaves out what needs the repository or dev dependencies', () => {
    const forbidden = /^(dist\/bench\/|dist\/test\/|bench\/|test\/|src\/|captures\/|node_modules\/|native\/build\/|\.ci\/|docs\/|dashboards\/|deploy\/(?!systemd\/mirrorsink\.service$|README\.md$))/;
    expect([...files].filter((f) => forbidden.test(f))).toEqual([]);
  });

  it('imports nothing but Node built-ins and runtime dependencies', () => {
    const allowed = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const builtins = new Set(builtinModules);
    const bad = new Set<string>();
    for (const f of files) {
      if (!f.endsWith('.js') && !f.endsWith('.mjs')) continue;
      const text = readFileSync(path.join(REPO_ROOT, f), 'utf8');
      const specs = [
        ...[...text.matchAll(/^(?:import|export)\s[^;]*?\bfrom\s*'([^'.][^']*)'/gm)].map((m) => m[1]!),
        ...[...text.matchAll(/^import\s*'([^'.][^']*)'/gm)].map((m) => m[1]!),
        ...[...text.matchAll(/\b(?:import|require)\(\s*'([^'.][^']*)'\s*\)/g)].map((m) => m[1]!),
      ];
      for (const spec of specs) {
        if (spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!allowed.has(name)) bad.add(`${f}: ${spec}`);
      }
    }
    expect([...bad]).toEqual([]);
  });
});

describe('package.json: install scripts', () => {
  it('builds the native receiver on install, and names the dependency builds it allows (npm allowScripts, pnpm onlyBuiltDependencies)', () => {
    expect(pkg.scripts.install).toBe('node native/build.mjs');
    // cap (libpcap capture) is the one dependency with an install script.
    expect(pkg.allowScripts).toEqual({ cap: true });
    expect(pkg.pnpm?.onlyBuiltDependencies).toEqual(['cap']);
  });

  it('a native build that fails does not fail the install: a clear message, exit 0 (1 with --strict)', () => {
    // build.mjs alone, without binding.gyp: node-gyp fails at once whatever the machine has.
    const dir = mkdtempSync(path.join(tmpdir(), 'mirrorsink-native-'));
    try {
      cpSync(path.join(REPO_ROOT, 'native', 'build.mjs'), path.join(dir, 'build.mjs'));
      const r = spawnSync(process.execPath, [path.join(dir, 'build.mjs')], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/the optional native recvmmsg receiver was not built/);
      expect(r.stderr).toMatch(/serve will read UDP with Node's dgram/);
      expect(r.stderr).toMatch(/npm rebuild -g mirrorsink/);
      expect(existsSync(path.join(dir, 'build', 'Release', 'udp_batch.node'))).toBe(false);
      const strict = spawnSync(process.execPath, [path.join(dir, 'build.mjs'), '--strict'], { encoding: 'utf8' });
      expect(strict.status).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
