/**
 * A live capture that cannot open (a non-root user without CAP_NET_RAW: 'socket: Operation not
 * permitted') must fail with its message, and the process must then exit normally: cap's failed
 * Cap object, once garbage-collected, used to stop an uninitialised uv_poll handle (exit 139,
 * `uv_poll_stop: Assertion '!uv__is_closing(handle)' failed`). Runs the built module as `nobody`
 * with --expose-gc and collects garbage after the failure, which made the crash certain.
 * Skipped when not root (no runuser to drop privileges) or without cap/libpcap.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';
import { loadCap } from '../../src/source/live-capture.js';

let skip: string | null = null;
if (process.getuid?.() !== 0) skip = 'not root (cannot run as another user)';
else if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) skip = 'no runuser';
else {
  try {
    await loadCap();
  } catch (err) {
    skip = (err as Error).message;
  }
  // The node binary must be one `nobody` can run (a node unpacked under a private directory is not).
  if (skip === null && spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', 'process.exit(0)'], { cwd: '/' }).status !== 0) {
    skip = `user nobody cannot run ${process.execPath}`;
  }
}
if (skip !== null) process.stderr.write(`\nNOTICE: live capture failure test skipped: ${skip}\n\n`);

const MODULE = path.join(REPO_ROOT, 'dist/src/source/live-capture.js');
const SCRIPT = `
const { LiveCapture, failedCapCount } = await import(${JSON.stringify(MODULE)});
const noop = { onFrame() {} };
const counters = { datagrams: new Float64Array(4), bytes: new Float64Array(4), internalErrors: 0 };
for (let i = 0; i < 3; i++) {
  const c = new LiveCapture({ interface: 'lo', filter: '', bufferBytes: 1 << 20, sink: noop, counters, batch: { add() {} } });
  try { await c.start(); console.log('opened'); c.close(); } catch (err) { console.log('failed: ' + err.message); }
}
for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
console.log('held ' + failedCapCount());
process.exitCode = 1;
`;

(skip === null ? describe : describe.skip)('live capture that cannot open', () => {
  it('fails with its message and exits 1 (no crash when the failed handle is collected)', () => {
    const r = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '--expose-gc', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8', cwd: '/' });
    expect(r.stderr).not.toMatch(/Assertion|uv_poll/);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/failed: capture on lo with filter '' failed: socket: Operation not permitted \(capturing needs CAP_NET_RAW/);
    expect(r.stdout).toMatch(/--cap-add NET_RAW/);
    expect(r.stdout).toContain('held 3');
  });

  it('the documented mode works: root with CAP_NET_RAW as its only capability opens the capture', () => {
    if (!existsSync('/usr/bin/setpriv')) return;
    const script = SCRIPT.replace('filter: \'\'', "filter: 'udp port 9'");
    const only = (caps: string) => spawnSync('setpriv', [`--bounding-set=-all${caps}`, '--inh-caps=-all', '--', process.execPath, '--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: '/' });
    const ok = only(',+net_raw');
    expect(ok.stdout).toContain('opened');
    expect(ok.stdout).toContain('held 0');
    const none = only('');
    expect(none.stdout).toMatch(/failed: .*Operation not permitted/);
    expect(none.signal).toBeNull();
  });
});
