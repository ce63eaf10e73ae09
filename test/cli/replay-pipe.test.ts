/**
 * `mirrorsink replay FILE --eve - | head -1`: the reader of stdout leaves early; replay must
 * exit 0 without error text (EPIPE is the reader's choice, not a failure). A real shell
 * pipeline on the built CLI. Whether EPIPE happens during the EVE lines or at the summary
 * depends on scheduling; both must end the same way.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/corpus.js';
import { CLI } from '../helpers/tools.js';

const sh = (script: string) => spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
const q = JSON.stringify;

describe('replay piped into head', () => {
  for (const cap of ['portscan.pcap', 'http.pcap']) {
    it(`replay ${cap} --eve - | head -1 exits 0 with empty stderr`, () => {
      const file = path.join(REPO_ROOT, 'captures', cap);
      // Several rounds: a race that crashes only sometimes would show.
      for (let round = 0; round < 2; round++) {
        const r = sh(`${q(process.execPath)} ${q(CLI)} replay ${q(file)} --eve - --quiet 2>"$TMPDIR_ERR" | head -1; echo "rc=\${PIPESTATUS[0]}"; cat "$TMPDIR_ERR" >&2`.replaceAll('$TMPDIR_ERR', `/tmp/ms-pipe-err-${process.pid}`));
        const out = r.stdout.split('\n').filter((l) => l !== '');
        expect(out).toHaveLength(2);
        expect(JSON.parse(out[0]!).event_type).toBeTypeOf('string');
        expect(out[1]).toBe('rc=0');
        expect(r.stderr).toBe('');
      }
    });
  }

  it('a large EVE stream through head -1 as well (EPIPE while EVE lines are being written)', () => {
    const files = ['portscan.pcap', 'icmp-sweep.pcap', 'tcp-flags-scan.pcap'].map((c) => q(path.join(REPO_ROOT, 'captures', c)));
    const list = Array.from({ length: 20 }, () => files.join(' ')).join(' ');
    const err = `/tmp/ms-pipe-err2-${process.pid}`;
    const r = sh(`${q(process.execPath)} ${q(CLI)} replay ${list} --eve - --quiet 2>${err} | head -1; echo "rc=\${PIPESTATUS[0]}"; cat ${err} >&2`);
    const out = r.stdout.split('\n').filter((l) => l !== '');
    expect(out[out.length - 1]).toBe('rc=0');
    expect(r.stderr).toBe('');
  });
});
