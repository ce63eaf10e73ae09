/**
 * Error codes in one place. Every user-facing failure (bad file, bad config, bad rule, bad
 * filter) is a MirrorsinkError with one of these codes and a message that names the file,
 * line/key and problem. Per-packet problems are never errors: they are DecodeEvents, counted.
 */
export const ErrorCode = {
  Usage: 'E_USAGE',
  FileUnreadable: 'E_FILE_UNREADABLE',
  FileFormat: 'E_FILE_FORMAT',
  Config: 'E_CONFIG',
  Filter: 'E_FILTER',
  Rule: 'E_RULE',
  Bind: 'E_BIND',
  CapUnavailable: 'E_CAP_UNAVAILABLE',
  NativeUnavailable: 'E_NATIVE_UNAVAILABLE',
  Reload: 'E_RELOAD',
  Query: 'E_QUERY',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export class MirrorsinkError extends Error {
  constructor(
    readonly code: ErrorCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'MirrorsinkError';
  }
}

/** A step into a parsed file: a mapping key or a list index. */
export type PathSeg = string | number;
/** Where a value sits in a parsed file (configuration key, filter-file field). */
export type KeyPath = readonly PathSeg[];

/** `a.b[2]["odd key"]`: how messages name a key (configuration and filter files alike). */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Exit codes of the CLI. */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
} as const;

/**
 * An error a worker thread reported by code and message, rebuilt on the thread that owns the
 * exit code: a MirrorsinkError keeps its code (usage, configuration...), anything else is an
 * internal error.
 */
export function errorFromCode(code: string, message: string, internalPrefix = ''): Error {
  return (Object.values(ErrorCode) as string[]).includes(code) ? new MirrorsinkError(code as ErrorCodeValue, message) : new Error(internalPrefix + message);
}
