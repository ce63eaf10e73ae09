/**
 * The Dockerfile, checked statically (no Docker engine here): stages, user, ports, volumes,
 * health check, entrypoint, what the runtime stage may contain, and agreement with the package
 * and with deploy/. The HEALTHCHECK command itself is run against loopback HTTP servers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  body: Instruction[];
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (cur === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      cur += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push((cur + line).trim());
    cur = '';
  }
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(l)!;
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      stages.push({ from: f[1]!, name: f[2], body: [] });
    } else {
      if (stages.length === 0) throw new Error(`${op} before FROM`);
      stages.at(-1)!.body.push({ op, args });
    }
  }
  return stages;
}

const text = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(text);
const build = stages[0]!;
const runtime = stages.at(-1)!;
const ops = (s: Stage, op: string) => s.body.filter((i) => i.op === op).map((i) => i.args);
const runText = (s: Stage) => ops(s, 'RUN').join('\n');
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

describe('Dockerfile', () => {
  it('builds in node:24-bookworm with the native toolchain and runs on node:24-bookworm-slim', () => {
    expect(stages).toHaveLength(2);
    // Node 24 (active LTS); both stages on one major, as the native addons are built for its ABI.
    expect(build.from).toBe('node:24-bookworm');
    expect(runtime.from).toBe('node:24-bookworm-slim');
    // A version the package says it supports.
    expect(pkg.engines.node).toBe('>=20');
    for (const p of ['python3', 'make', 'g++', 'libpcap-dev']) expect(runText(build)).toMatch(new RegExp(`apt-get install[^\\n]*\\s${p.replace('+', '\\+')}(\\s|$)`));
  });

  it('installs from the lockfile, builds with the package script, then drops dev dependencies', () => {
    const r = runText(build);
    const ci = r.indexOf('npm ci');
    const buildAt = r.indexOf('npm run build');
    const prune = r.indexOf('npm prune --omit=dev');
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(buildAt).toBeGreaterThan(ci);
    expect(prune).toBeGreaterThan(buildAt);
    expect(pkg.scripts.build).toBeTruthy();
    expect(ops(build, 'COPY')[0]).toBe('package.json package-lock.json ./');
    expect(existsSync(path.join(REPO_ROOT, 'package-lock.json'))).toBe(true);
  });

  it('builds the native recvmmsg receiver (failing the build without it) and ships it', () => {
    const r = runText(build);
    expect(ops(build, 'COPY')).toContain('native ./native');
    expect(r.indexOf('npm run build:native')).toBeGreaterThan(r.indexOf('npm ci'));
    expect(pkg.scripts['build:native']).toMatch(/--strict/);
    expect(ops(runtime, 'COPY').join('\n')).toContain('/app/native/build/Release/udp_batch.node ./native/build/Release/udp_batch.node');
  });

  it('runtime stage: libpcap only, everything else copied from the pruned build stage', () => {
    const r = runText(runtime);
    expect(r).toMatch(/apt-get install -y --no-install-recommends libpcap0\.8\s/);
    expect(r).not.toMatch(/libpcap-dev|\bg\+\+|\bmake\b|python3|npm (ci|install)/);
    for (const c of ops(runtime, 'COPY')) expect(c, c).toMatch(/^--from=build\s/);
    const copied = ops(runtime, 'COPY').join('\n');
    for (const p of ['/app/package.json', '/app/node_modules', '/app/dist']) expect(copied).toContain(p);
  });

  it('runs as a fixed non-root user', () => {
    const users = ops(runtime, 'USER');
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
    // useradd ... --uid N ... NAME, up to the next && of the RUN line.
    const uid = /useradd [^&]*?--uid (\d+)[^&]*?\s(\S+)\s*(?:&&|$)/m.exec(runText(runtime));
    expect(uid?.[2]).toBe(users[0]);
    expect(Number(uid![1])).toBeGreaterThanOrEqual(1000);
  });

  it('exposes VXLAN and GENEVE over UDP and HTTP 9109 over TCP', () => {
    const ports = ops(runtime, 'EXPOSE').join(' ').split(/\s+/).sort();
    expect(ports).toEqual(['4789/udp', '6081/udp', '9109/tcp']);
  });

  it('declares volumes for config/rules and for EVE, flow logs and pcaps', () => {
    expect(ops(runtime, 'VOLUME').map((v) => JSON.parse(v))).toEqual([['/etc/mirrorsink', '/var/lib/mirrorsink']]);
  });

  it('starts `mirrorsink serve` with the config in the volume', () => {
    expect(JSON.parse(ops(runtime, 'ENTRYPOINT')[0]!)).toEqual(['node', '/app/dist/src/cli/main.js']);
    expect(JSON.parse(ops(runtime, 'CMD')[0]!)).toEqual(['serve', '--config', '/etc/mirrorsink/mirrorsink.yaml']);
    // The entrypoint is the package's bin.
    expect(`/app/${pkg.bin.mirrorsink}`).toBe('/app/dist/src/cli/main.js');
  });

  it('deploy/ runs the image the same way and owns the state volume with the image user', () => {
    const unit = readFileSync(path.join(REPO_ROOT, 'deploy', 'systemd', 'mirrorsink-container.service'), 'utf8');
    expect(unit).toMatch(/serve --config \/etc\/mirrorsink\/mirrorsink\.yaml$/m);
    const uid = /--uid (\d+)/.exec(runText(runtime))![1];
    const template = readFileSync(path.join(REPO_ROOT, 'deploy', 'templates', 'nlb-target.json'), 'utf8');
    expect(template).toContain(`install -d -m 0750 -o ${uid} -g ${uid} /var/lib/mirrorsink`);
  });

  describe('HEALTHCHECK', () => {
    const hc = ops(runtime, 'HEALTHCHECK')[0]!;
    const cmd = JSON.parse(/CMD\s+(\[.*\])$/.exec(hc)![1]!) as string[];
    const env = ops(runtime, 'ENV').join(' ');

    // Was: "asks /healthz on 127.0.0.1:9109 with node -e fetch(...)". That fixed address marked a
    // container configured with another http.port unhealthy (issue 16 item 15): the probe is now
    // `mirrorsink healthcheck`, which derives it as serve does (test/cli/healthcheck.test.ts).
    it('asks /healthz with `mirrorsink healthcheck` (the entrypoint, node: the slim image has no curl), at no fixed port', () => {
      expect(hc).toMatch(/--interval=\d+s/);
      expect(hc).toMatch(/--timeout=\d+s/);
      expect(cmd.slice(0, 3)).toEqual([...JSON.parse(ops(runtime, 'ENTRYPOINT')[0]!), 'healthcheck']);
      expect(hc).not.toMatch(/9109/);
      // Its own timeout (ms) under docker's.
      const dockerTimeout = Number(/--timeout=(\d+)s/.exec(hc)![1]) * 1000;
      expect(Number(cmd[cmd.indexOf('--timeout') + 1])).toBeLessThan(dockerTimeout);
    });

    it('serve and the healthcheck read the same configuration file and state directory', () => {
      const cmdArgs = JSON.parse(ops(runtime, 'CMD')[0]!) as string[];
      expect(env).toContain(`MIRRORSINK_CONFIG=${cmdArgs[cmdArgs.indexOf('--config') + 1]}`);
      const volumes = JSON.parse(ops(runtime, 'VOLUME')[0]!) as string[];
      const state = /MIRRORSINK_STATE_DIR=(\S+)/.exec(env)![1]!;
      expect(volumes).toContain(state);
    });

    async function exitCodeAgainst(status: number | null, httpPortEnv: (port: number) => Record<string, string>): Promise<number | null> {
      let port = 1;
      let server: http.Server | undefined;
      server = http.createServer((req, res) => {
        res.statusCode = req.url === '/healthz' ? (status ?? 500) : 404;
        res.end();
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
      if (status === null) {
        await new Promise((r) => server!.close(r));
        server = undefined;
      }
      try {
        // The image's command with the image's ENTRYPOINT path mapped to this checkout's build.
        const args = cmd.slice(2);
        const { spawn } = await import('node:child_process');
        const { mkdtempSync } = await import('node:fs');
        const { tmpdir } = await import('node:os');
        const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MIRRORSINK_')));
        const e = { ...base, MIRRORSINK_STATE_DIR: mkdtempSync(path.join(tmpdir(), 'hc-')), ...httpPortEnv(port) };
        // spawnSync would block the server in this process: run it asynchronously.
        return await new Promise((resolve) => spawn(process.execPath, [path.join(REPO_ROOT, 'dist/src/cli/main.js'), ...args], { stdio: 'ignore', env: e }).on('exit', resolve));
      } finally {
        server?.close();
      }
    }

    it('exits 0 on 200, 1 on 503 and 1 when nothing listens, on the port the configuration sets', async () => {
      const viaEnv = (port: number) => ({ MIRRORSINK_HTTP_PORT: String(port) });
      expect(await exitCodeAgainst(200, viaEnv)).toBe(0);
      expect(await exitCodeAgainst(503, viaEnv)).toBe(1);
      expect(await exitCodeAgainst(null, viaEnv)).toBe(1);
      const { mkdtempSync, writeFileSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const viaFile = (port: number) => {
        const f = path.join(mkdtempSync(path.join(tmpdir(), 'hc-')), 'mirrorsink.yaml');
        writeFileSync(f, `http:\n  port: ${port}\n`);
        return { MIRRORSINK_CONFIG: f };
      };
      expect(await exitCodeAgainst(200, viaFile)).toBe(0);
      expect(await exitCodeAgainst(503, viaFile)).toBe(1);
    });
  });
});

describe('.dockerignore', () => {
  const patterns = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  it('keeps host builds, git, tests and the deploy tooling out of the build context', () => {
    for (const p of ['node_modules', 'dist', 'native/build', '.git', 'deploy', 'test']) expect(patterns).toContain(p);
  });

  it('keeps what the build needs', () => {
    const needed = ['package.json', 'package-lock.json', 'tsconfig.json', 'src', 'native', 'native/udp_batch.c', 'native/binding.gyp', 'native/build.mjs'];
    for (const n of needed) expect(patterns.filter((p) => p === n || p === `${n}/` || (p.includes('*') && new RegExp(`^${p.replaceAll('.', '\\.').replaceAll('*', '.*')}$`).test(n)))).toEqual([]);
    expect(spawnSync('test', ['-f', path.join(REPO_ROOT, 'tsconfig.json')]).status).toBe(0);
  });
});
