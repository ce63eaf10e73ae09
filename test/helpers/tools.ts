/** External oracle tools (tshark, tcpdump, promtool): present on CI via .ci/run. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './corpus.js';

export function haveTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/** Run a tool and return stdout (stderr discarded: tshark warns about running as root). */
export function runTool(cmd: string, args: string[], input?: string): { stdout: string; status: number } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, input });
  return { stdout: r.stdout ?? '', status: r.status ?? -1 };
}

/** The built CLI (npm test builds before running vitest). */
export const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export function runCli(args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    input: opts.input,
    env: { ...process.env, ...opts.env },
  });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status ?? -1 };
}
