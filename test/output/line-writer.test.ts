import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferedLineWriter } from '../../src/output/line-writer.js';
import { OutputErrors } from '../../src/output/output-errors.js';
import { fillUp, mountTmpfs } from '../helpers/tmpfs.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'ms-lw-'));
const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l !== '') : []);

/** Poll (no fixed sleeps): the machine is loaded, only the condition matters. */
async function until(cond: () => boolean, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const line = (i: number) => `{"event_type":"alert","i":${i},"pad":"${'x'.repeat(100)}"}`;

describe('BufferedLineWriter', () => {
  it('async by default: write() only buffers; flush() puts every line in the file and counts it written', async () => {
    const f = path.join(tmp(), 'a', 'eve.json');
    const errors = new OutputErrors();
    const w = new BufferedLineWriter(f, { flushIntervalMs: 0, errors });
    for (let i = 0; i < 1000; i++) w.write(line(i));
    await w.flush();
    expect(lines(f)).toHaveLength(1000);
    expect(w.linesWritten).toBe(1000);
    expect(w.bytesWritten).toBe(readFileSync(f).length);
    await w.close();
    expect(errors.total()).toBe(0);
  });

  it('/dev/full (ENOSPC): counted by output and code, never thrown, nothing counted written, close() ends', async () => {
    const errors = new OutputErrors();
    const w = new BufferedLineWriter('/dev/full', { output: 'eve', flushIntervalMs: 0, retryMs: 5, closeTimeoutMs: 50, errors });
    for (let i = 0; i < 100; i++) w.write(line(i));
    await w.flush();
    expect(errors.errorSeries()).toEqual([{ output: 'eve', code: 'ENOSPC', count: expect.any(Number) }]);
    expect(w.linesWritten).toBe(0);
    expect(w.bytesWritten).toBe(0);
    // More lines while failing: still no throw.
    for (let i = 0; i < 100; i++) w.write(line(i));
    await w.close();
    expect(w.droppedLines).toBe(200);
    expect(errors.dropSeries()).toEqual([{ output: 'eve', count: 200 }]);
    const report = errors.takeReport();
    expect(report).toEqual([expect.objectContaining({ output: 'eve', code: 'ENOSPC', dropped: 200 })]);
    expect(errors.takeReport()).toEqual([]);
  });

  it('sync mode on /dev/full: no throw either', async () => {
    const errors = new OutputErrors();
    const w = new BufferedLineWriter('/dev/full', { output: 'fast_log', sync: true, bufferBytes: 10, flushIntervalMs: 0, closeTimeoutMs: 0, errors });
    for (let i = 0; i < 10; i++) w.write(line(i));
    expect(errors.total('fast_log')).toBeGreaterThan(0);
    await w.close();
    expect(w.linesWritten).toBe(0);
  });

  it('drops beyond maxBufferBytes while the target refuses', async () => {
    const errors = new OutputErrors();
    const w = new BufferedLineWriter('/dev/full', { bufferBytes: 1024, maxBufferBytes: 8192, flushIntervalMs: 0, retryMs: 60_000, closeTimeoutMs: 0, errors });
    for (let i = 0; i < 1000; i++) w.write(line(i));
    // At most ~8 KiB buffered: the rest dropped as it arrived.
    expect(w.droppedLines).toBeGreaterThan(900);
    await w.close();
    expect(w.droppedLines).toBe(1000);
  });

  it('reopen() recreates a vanished directory; the lines buffered meanwhile are not lost', async () => {
    const d = tmp();
    const f = path.join(d, 'logs', 'eve.json');
    const errors = new OutputErrors();
    const w = new BufferedLineWriter(f, { flushIntervalMs: 0, errors });
    w.write('one');
    await w.flush();
    rmSync(path.join(d, 'logs'), { recursive: true });
    w.write('two');
    await w.reopen();
    w.write('three');
    await w.close();
    // "two" went to the unlinked old file (as with logrotate); the new file exists again.
    expect(lines(f)).toEqual(['three']);
    expect(w.reopens).toBe(1);
    expect(errors.total()).toBe(0);
  });

  it('reopen() failing (path is a directory): counted, retried, resumes when it can open', async () => {
    const d = tmp();
    const f = path.join(d, 'eve.json');
    const errors = new OutputErrors();
    const w = new BufferedLineWriter(f, { flushIntervalMs: 0, retryMs: 5, errors });
    rmSync(f);
    // Something else takes the name: EISDIR on open.
    (await import('node:fs')).mkdirSync(f);
    w.write('a'); // written to the old (unlinked) file before the reopen
    await w.reopen();
    await until(() => errors.total() >= 1);
    expect(errors.errorSeries()[0]!.code).toBe('EISDIR');
    w.write('b');
    await w.flush();
    expect(w.linesWritten).toBe(1);
    rmSync(f, { recursive: true });
    await until(() => w.linesWritten === 2);
    expect(lines(f)).toEqual(['b']);
    await w.close();
  });

  const fs = mountTmpfs(64);
  afterAll(() => fs?.unmount());
  it.skipIf(fs === null)('a full tmpfs: ENOSPC counted, lines kept (bounded) and written when space returns; written counts only what is in the file', async () => {
    const dir = fs!.dir;
    const f = path.join(dir, 'eve.json');
    const errors = new OutputErrors();
    const w = new BufferedLineWriter(f, { output: 'eve', bufferBytes: 1024, maxBufferBytes: 256 * 1024, flushIntervalMs: 0, retryMs: 5, errors });
    const filler = fillUp(dir);
    for (let i = 0; i < 200; i++) w.write(line(i));
    await until(() => errors.total('eve') > 0);
    expect(errors.errorSeries().map((e) => e.code)).toEqual(['ENOSPC']);
    // Nothing reached the file, nothing counted as written.
    expect(w.linesWritten).toBe(lines(f).length);
    expect(w.linesWritten).toBeLessThan(200);
    unlinkSync(filler);
    await w.flush();
    await until(() => w.linesWritten === 200);
    const got = lines(f);
    expect(got).toHaveLength(200);
    expect(got[199]).toBe(line(199));
    expect(w.droppedLines).toBe(0);
    await w.close();
  });
});
