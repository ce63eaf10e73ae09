/** Running a CLI command in-process and keeping what it prints (vitest spies on stdout). */
import { vi } from 'vitest';

/** `run()`'s exit code and everything it wrote to stdout; stdout is restored afterwards. */
export async function captureStdout(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, cb?: unknown) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    // Commands that wait for a write's callback (write(chunk, cb)) would otherwise hang.
    if (typeof cb === 'function') (cb as () => void)();
    return true;
  }) as typeof process.stdout.write);
  try {
    const code = await run();
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}
