/**
 * Argument parsing shared by every command: node's util.parseArgs plus --help handling and a
 * usage error that names the bad option.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ErrorCode, MirrorsinkError } from '../errors.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs<V> {
  values: V;
  positionals: string[];
  help: boolean;
}

export function parseCommandArgs(command: string, args: string[], options: OptionSpec, allowPositionals = true) {
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
    return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals, help: parsed.values.help === true };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new MirrorsinkError(ErrorCode.Usage, `${command}: ${msg} (see 'mirrorsink ${command} --help')`);
  }
}

/** Parse an integer option with bounds, naming the option on error. */
export function intOption(command: string, name: string, raw: unknown, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new MirrorsinkError(ErrorCode.Usage, `${command}: --${name} must be an integer from ${min} to ${max}, got '${String(raw)}'`);
  }
  return n;
}
