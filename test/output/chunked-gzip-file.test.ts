import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ChunkedGzipFile, crc32Js } from '../../src/output/chunked-gzip-file.js';

describe('ChunkedGzipFile', () => {
  it('streams text in bounded chunks into one gzip member that gunzips to the same text', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cgz-'));
    const file = path.join(dir, 'a.log.gz');
    const gz = new ChunkedGzipFile(file, { chunkBytes: 1024 });
    let text = '';
    for (let i = 0; i < 5000; i++) {
      // Non-ASCII too: a session or account name from the config may carry it.
      const line = `2 ${i} eni-${i % 7} 10.0.${i >> 8}.${i & 255} ${i % 3 === 0 ? 'été-ü' : '-'}\n`;
      gz.write(line);
      text += line;
      expect(gz.buffered).toBeLessThanOrEqual(1024);
    }
    gz.close();
    expect(gz.chunks).toBeGreaterThan(100);
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(gz.fileBytes);
    expect([bytes[0], bytes[1], bytes[2]]).toEqual([0x1f, 0x8b, 0x08]);
    expect(zlib.gunzipSync(bytes).toString('utf8')).toBe(text);
    expect(gz.textBytes).toBe(Buffer.byteLength(text));
  });

  it('writes a valid empty file and one gzip(1) accepts', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cgz-'));
    const file = path.join(dir, 'empty.gz');
    new ChunkedGzipFile(file).close();
    expect(zlib.gunzipSync(readFileSync(file)).length).toBe(0);
    const file2 = path.join(dir, 'b.gz');
    const gz = new ChunkedGzipFile(file2, { chunkBytes: 1024, level: 6 });
    for (let i = 0; i < 1000; i++) gz.write(`line ${i}\n`);
    gz.close();
    let out: string;
    try {
      out = execFileSync('gzip', ['-t', '-v', file2], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // no gzip binary here
      throw err;
    }
    expect(out).toBeDefined();
  });

  it('computes zlib CRC-32 in JS (for Node without zlib.crc32)', () => {
    expect(crc32Js(Buffer.from('123456789'))).toBe(0xcbf43926);
    const a = Buffer.from('hello '),
      b = Buffer.from('world');
    expect(crc32Js(b, crc32Js(a))).toBe(crc32Js(Buffer.from('hello world')));
    const native = (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
    if (native) expect(crc32Js(Buffer.from('hello world'))).toBe(native(Buffer.from('hello world')));
  });
});
