/**
 * Could an output file be opened for append where serve will open it (the line writer creates
 * missing parent directories)? For `serve --check`, which must not say "configuration OK" for an
 * EVE path serve then cannot open, and must not create files either: the path, or else its
 * nearest existing ancestor, is checked with access(2). Returns the reason, or null when fine.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export function outputPathProblem(target: string): string | null {
  if (target === '-') return null;
  const abs = path.resolve(target);
  try {
    const st = statSync(abs);
    if (st.isDirectory()) return `${abs} is a directory, not a file`;
    accessSync(abs, constants.W_OK);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') return `cannot write ${abs}: ${e.code ?? e.message}`;
  }
  // Missing: the nearest existing ancestor must be a directory we may create entries in.
  let dir = path.dirname(abs);
  for (;;) {
    let st;
    try {
      st = statSync(dir);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') return `cannot create ${abs}: ${dir}: ${e.code ?? e.message}`;
      const up = path.dirname(dir);
      if (up === dir) return `cannot create ${abs}: no existing parent directory`;
      dir = up;
      continue;
    }
    if (!st.isDirectory()) return `cannot create ${abs}: ${dir} is not a directory`;
    try {
      accessSync(dir, constants.W_OK | constants.X_OK);
    } catch (err) {
      return `cannot create ${abs}: ${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? 'EACCES'})`;
    }
    return null;
  }
}
