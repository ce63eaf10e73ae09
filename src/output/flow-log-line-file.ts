/**
 * A JSON-lines file written synchronously through a buffer (EVE flow events when no shared EVE
 * writer is given). Lines are appended; close() writes the rest.
 */
import { closeSync, openSync, writeSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, MirrorsinkError } from '../errors.js';

export class LineFile {
  lines = 0;
  private fd: number;
  private parts: string[] = [];
  private size = 0;

  constructor(
    readonly path: string,
    private readonly chunk = 256 * 1024,
  ) {
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, 'a');
    } catch (err) {
      throw new MirrorsinkError(ErrorCode.FileUnreadable, `cannot open ${this.path}: ${(err as Error).message}`);
    }
  }

  write(line: string): void {
    if (this.fd < 0) return;
    this.parts.push(line);
    this.size += line.length + 1;
    this.lines++;
    if (this.size >= this.chunk) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0 || this.fd < 0) return;
    writeSync(this.fd, this.parts.join('\n') + '\n');
    this.parts = [];
    this.size = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}
