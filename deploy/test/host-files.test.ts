/**
 * What runs on the instances: the systemd units (systemd-analyze verify), the shell scripts
 * (bash -n and shellcheck, the user data of both templates included) and the sysctl file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { TEMPLATES_DIR } from '../lib/templates.js';
import { DEPLOY_ROOT } from '../lib/user-data.js';
import { renderUserData, toolSkip } from './helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mirrorsink-deploy-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

describe('systemd units', () => {
  // Lines about binaries and units that exist only on the target host are expected here.
  const hostOnly = [/Command \/\S+ is not executable: No such file or directory/, /Unit docker\.service not found/];
  for (const unit of ['mirrorsink.service', 'mirrorsink-container.service']) {
    it(`${unit} passes systemd-analyze verify`, { skip: toolSkip('systemd-analyze') }, () => {
      const copy = path.join(tmp, unit);
      copyFileSync(path.join(DEPLOY_ROOT, 'systemd', unit), copy);
      const r = run('systemd-analyze', ['verify', '--man=no', copy]);
      const problems = r.out.split('\n').filter((l) => l.trim() !== '' && !hostOnly.some((re) => re.test(l)));
      assert.deepEqual(problems, []);
    });
  }

  it('the native unit is hardened and reloads with SIGHUP', () => {
    const unit = readFileSync(path.join(DEPLOY_ROOT, 'systemd', 'mirrorsink.service'), 'utf8');
    for (const line of [
      'User=mirrorsink',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'Restart=on-failure',
      'LimitNOFILE=65536',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'CapabilityBoundingSet=',
      'AmbientCapabilities=',
      'StateDirectory=mirrorsink',
    ]) {
      assert.ok(unit.split('\n').includes(line), `missing ${line}`);
    }
    assert.match(unit, /^ExecStart=\S+ serve --config \/etc\/mirrorsink\/mirrorsink\.yaml$/m);
  });

  it('the container unit runs the image with host networking and reloads with SIGHUP', () => {
    const unit = readFileSync(path.join(DEPLOY_ROOT, 'systemd', 'mirrorsink-container.service'), 'utf8');
    assert.match(unit, /--network host/);
    assert.match(unit, /^ExecReload=\/usr\/bin\/docker kill --signal HUP mirrorsink$/m);
    assert.match(unit, /\$\{MIRRORSINK_IMAGE\} serve --config \/etc\/mirrorsink\/mirrorsink\.yaml$/m);
  });
});

describe('shell scripts', () => {
  const scripts: [string, () => string][] = [
    ['systemd/mirrorsink-prestart.sh', () => path.join(DEPLOY_ROOT, 'systemd', 'mirrorsink-prestart.sh')],
    ...['nlb-target.json', 'eni-target.json'].map((file): [string, () => string] => [
      `user data of templates/${file}`,
      () => {
        const out = path.join(tmp, `${file}.sh`);
        writeFileSync(out, renderUserData(JSON.parse(readFileSync(path.join(TEMPLATES_DIR, file), 'utf8'))));
        return out;
      },
    ]),
  ];
  for (const [name, file] of scripts) {
    it(`${name} parses (sh -n / bash -n)`, () => {
      const f = file();
      const shell = readFileSync(f, 'utf8').startsWith('#!/bin/bash') ? 'bash' : 'sh';
      const r = run(shell, ['-n', f]);
      assert.equal(r.status, 0, r.out);
    });
    it(`${name} passes shellcheck`, { skip: toolSkip('shellcheck') }, () => {
      const r = run('shellcheck', ['--severity=style', file()]);
      assert.equal(r.status, 0, r.out);
    });
  }
});

describe('sysctl file', () => {
  const text = readFileSync(path.join(DEPLOY_ROOT, 'sysctl', '99-mirrorsink.conf'), 'utf8');
  const settings = text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split('=').map((s) => s.trim()) as [string, string]);

  it('sets the receive-buffer and backlog keys to integers', () => {
    assert.deepEqual(settings.map(([k]) => k).sort(), ['net.core.netdev_max_backlog', 'net.core.rmem_default', 'net.core.rmem_max']);
    for (const [k, v] of settings) assert.match(v, /^\d+$/, k);
    const get = (k: string) => Number(settings.find(([key]) => key === k)![1]);
    assert.ok(get('net.core.rmem_default') <= get('net.core.rmem_max'));
    // mirrorsink asks for 32 MiB by default (listen.receive_buffer_bytes): the cap must allow it.
    assert.ok(get('net.core.rmem_max') >= 32 * 1024 * 1024);
  });

  it('names keys this kernel knows', () => {
    for (const [k] of settings) assert.ok(existsSync(path.join('/proc/sys', ...k.split('.'))), k);
  });
});
