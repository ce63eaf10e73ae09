/**
 * flowbits keyword: `flowbits:set|unset|toggle|isset|isnotset,<name>[|name...|&name...]` and
 * `flowbits:noalert`. Names are numbered once per rule set (FlowbitNames) so the state table
 * works with small integers.
 *
 * Groups: `a|b` means any of them, `a&b` all of them (isset: any/all set; isnotset: any/all
 * not set; set/unset/toggle act on every name either way).
 */
import { invalidValue } from '../rule-error.js';

export const FlowbitCmd = {
  Set: 0,
  Unset: 1,
  Toggle: 2,
  Isset: 3,
  Isnotset: 4,
} as const;

export class FlowbitOp {
  constructor(
    readonly cmd: number,
    readonly bits: Int32Array,
    /** true: all of `bits` (&), false: any of them (|). Single names use "all". */
    readonly all: boolean,
  ) {}

  get isCheck(): boolean {
    return this.cmd === FlowbitCmd.Isset || this.cmd === FlowbitCmd.Isnotset;
  }
}

export class FlowbitNames {
  readonly index = new Map<string, number>();
  readonly names: string[] = [];
  /** Names some rule sets / checks, to warn about bits checked but never set. */
  readonly setBy = new Set<number>();
  readonly checkedBy = new Set<number>();

  id(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }
}

const CMDS: Record<string, number> = {
  set: FlowbitCmd.Set,
  unset: FlowbitCmd.Unset,
  toggle: FlowbitCmd.Toggle,
  isset: FlowbitCmd.Isset,
  isnotset: FlowbitCmd.Isnotset,
};

/** Returns null for `flowbits:noalert`. */
export function parseFlowbits(value: string, names: FlowbitNames): FlowbitOp | null {
  const v = value.trim();
  if (v === 'noalert') return null;
  const comma = v.indexOf(',');
  if (comma < 0) throw invalidValue('flowbits', `expected <command>,<name>: '${value}'`);
  const cmdText = v.slice(0, comma).trim().toLowerCase();
  const cmd = CMDS[cmdText];
  if (cmd === undefined) throw invalidValue('flowbits', `unknown command '${cmdText}'`);
  const spec = v.slice(comma + 1).trim();
  if (spec === '') throw invalidValue('flowbits', 'missing name');
  const hasOr = spec.includes('|');
  const hasAnd = spec.includes('&');
  if (hasOr && hasAnd) throw invalidValue('flowbits', `can't mix '|' and '&' in '${spec}'`);
  const parts = spec.split(hasOr ? '|' : '&').map((s) => s.trim());
  for (const p of parts) {
    if (!/^[^\s,;]+$/.test(p)) throw invalidValue('flowbits', `bad name '${p}'`);
  }
  if (hasOr && cmd !== FlowbitCmd.Isset && cmd !== FlowbitCmd.Isnotset) {
    throw invalidValue('flowbits', `'|' only works with isset/isnotset`);
  }
  const bits = Int32Array.from(parts.map((p) => names.id(p)));
  for (const b of bits) {
    if (cmd === FlowbitCmd.Isset || cmd === FlowbitCmd.Isnotset) names.checkedBy.add(b);
    else names.setBy.add(b);
  }
  return new FlowbitOp(cmd, bits, !hasOr);
}
