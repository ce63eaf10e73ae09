/**
 * What a running serve tells other processes on the host or in its container: the HTTP address
 * it actually bound (after flags, environment, file and port 0), in STATE_DIR/serve-http.json.
 * `mirrorsink healthcheck` (the image's HEALTHCHECK) reads it, so the probe follows whatever
 * port and address serve was started with. Written atomically at ready, removed at stop.
 */
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const RUNTIME_FILE = 'serve-http.json';

export interface ServeRuntime {
  pid: number;
  /** The bound HTTP address (0.0.0.0 / :: when bound to every address). */
  http: { address: string; port: number };
  started: string;
}

export function runtimeFilePath(stateDir: string): string {
  return path.join(stateDir, RUNTIME_FILE);
}

/** Throws on failure (the caller logs it: serve runs on without it). */
export function writeServeRuntime(file: string, info: ServeRuntime): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info) + '\n');
  renameSync(tmp, file);
}

/** Remove the file if it is still ours (a newer serve may have replaced it). */
export function removeServeRuntime(file: string, pid = process.pid): void {
  if (readServeRuntime(file)?.pid !== pid) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

export function readServeRuntime(file: string): ServeRuntime | null {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as Partial<ServeRuntime>;
    const h = j.http;
    if (typeof j.pid !== 'number' || h === undefined || typeof h.address !== 'string' || !Number.isInteger(h.port) || h.port <= 0 || h.port > 65535) return null;
    return j as ServeRuntime;
  } catch {
    return null;
  }
}

/** Where a local client reaches an HTTP server bound to `address`. */
export function probeHost(address: string): string {
  if (address === '0.0.0.0' || address === '') return '127.0.0.1';
  if (address === '::') return '::1';
  return address;
}

export function healthzUrl(address: string, port: number): string {
  const host = probeHost(address);
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/healthz`;
}
