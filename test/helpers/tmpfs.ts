/**
 * A small real tmpfs for "disk full" tests. Mounting needs root (or CAP_SYS_ADMIN); where it is
 * impossible the caller gets null and falls back to /dev/full (ENOSPC without mounting), after
 * a visible notice.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  dir: string;
  unmount(): void;
}

export function mountTmpfs(sizeKiB: number): Tmpfs | null {
  if (process.env.MIRRORSINK_TEST_NO_TMPFS === '1') {
    console.warn('NOTICE: MIRRORSINK_TEST_NO_TMPFS=1: the tmpfs variant is skipped');
    return null;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'mirrorsink-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    console.warn(`NOTICE: cannot mount a tmpfs here (${(r.stderr || r.error?.message || '').trim()}): the tmpfs variant is skipped`);
    return null;
  }
  return {
    dir,
    unmount() {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fill the filesystem of `dir` with a file until ENOSPC; returns its path. */
export function fillUp(dir: string): string {
  const f = path.join(dir, 'filler');
  spawnSync('sh', ['-c', `cat /dev/zero > ${JSON.stringify(f)} 2>/dev/null`]);
  return f;
}
