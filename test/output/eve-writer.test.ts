import { mkdtempSync, readFileSync, renameSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EveWriter } from '../../src/output/eve-writer.js';
import { MirrorsinkError } from '../../src/errors.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'ms-eve-'));
const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l !== '') : []);

describe('EveWriter', () => {
  it('buffers, writes in chunks, and close() leaves every record on disk', async () => {
    const f = path.join(tmp(), 'sub', 'eve.json');
    const w = new EveWriter(f, { bufferBytes: 1000, flushIntervalMs: 0, sync: true });
    w.write('{"a":1}');
    // Below the buffer size: nothing written yet.
    expect(lines(f)).toEqual([]);
    for (let i = 0; i < 200; i++) w.write(`{"i":${i}}`);
    // Passed the buffer size: written in chunks.
    expect(lines(f).length).toBeGreaterThan(0);
    await w.close();
    const all = lines(f);
    expect(all).toHaveLength(201);
    expect(all[0]).toBe('{"a":1}');
    expect(all[200]).toBe('{"i":199}');
    expect(w.records).toBe(201);
    expect(() => w.write('x')).toThrow(/after close/);
  });

  it('appends to an existing file', async () => {
    const f = path.join(tmp(), 'eve.json');
    const a = new EveWriter(f, { flushIntervalMs: 0 });
    a.write('one');
    await a.close();
    const b = new EveWriter(f, { flushIntervalMs: 0 });
    b.write('two');
    await b.close();
    expect(lines(f)).toEqual(['one', 'two']);
  });

  it('reopen() after logrotate moved the file: old records in the old file, new ones in a new file', async () => {
    const d = tmp();
    const f = path.join(d, 'eve.json');
    const w = new EveWriter(f, { flushIntervalMs: 0 });
    w.write('before-1');
    w.write('before-2');
    await w.flush();
    renameSync(f, path.join(d, 'eve.json.1'));
    // Buffered while the file was being rotated: still belongs to the old file after reopen's flush.
    w.write('buffered');
    await w.reopen();
    w.write('after');
    await w.close();
    expect(lines(path.join(d, 'eve.json.1'))).toEqual(['before-1', 'before-2', 'buffered']);
    expect(lines(f)).toEqual(['after']);
    expect(w.reopens).toBe(1);
  });

  it('flushes on its timer', async () => {
    const f = path.join(tmp(), 'eve.json');
    const w = new EveWriter(f, { flushIntervalMs: 20, sync: true });
    w.write('tick');
    await new Promise((r) => setTimeout(r, 120));
    expect(lines(f)).toEqual(['tick']);
    await w.close();
  });

  it('an unwritable path is a MirrorsinkError', async () => {
    // A directory where a file is: ENOTDIR.
    const f = path.join(tmp(), 'file');
    const w = new EveWriter(f, { flushIntervalMs: 0 });
    await w.close();
    expect(() => new EveWriter(path.join(f, 'eve.json'), { flushIntervalMs: 0 })).toThrow(MirrorsinkError);
  });
});
