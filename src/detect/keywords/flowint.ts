/**
 * flowint (src/detect-flowint.c): integer variables per flow.
 *
 *   flowint:<name>,<=|+|->,<value|var>      set / add / subtract (after the rule matched)
 *   flowint:<name>,<==|!=|<|<=|>|>=>,<value|var>   compare (a condition of the rule)
 *   flowint:<name>,isset | notset | isnotset
 *
 * A comparison with an unset variable (either side) fails; adding to or subtracting from an
 * unset variable sets it to the value (Suricata's FlowVarAddInt on a missing var). Values are
 * unsigned 32-bit as in Suricata; subtraction below 0 wraps.
 */
import { invalidValue } from '../rule-error.js';

export const FlowintCmd = {
  Set: 0,
  Add: 1,
  Sub: 2,
  Eq: 3,
  Ne: 4,
  Lt: 5,
  Le: 6,
  Gt: 7,
  Ge: 8,
  Isset: 9,
  Notset: 10,
} as const;

const CMDS: Record<string, number> = {
  '=': FlowintCmd.Set,
  '+': FlowintCmd.Add,
  '-': FlowintCmd.Sub,
  '==': FlowintCmd.Eq,
  '!=': FlowintCmd.Ne,
  '<': FlowintCmd.Lt,
  '<=': FlowintCmd.Le,
  '>': FlowintCmd.Gt,
  '>=': FlowintCmd.Ge,
  isset: FlowintCmd.Isset,
  notset: FlowintCmd.Notset,
  isnotset: FlowintCmd.Notset,
};

export class FlowintOp {
  /** Variable ids, assigned by the engine (names interned there); -1 until then. */
  id = -1;
  valueId = -1;
  constructor(
    readonly cmd: number,
    readonly name: string,
    readonly value: number,
    /** The other variable the value comes from, null for a literal. */
    readonly valueName: string | null,
  ) {}

  get isModifier(): boolean {
    return this.cmd === FlowintCmd.Set || this.cmd === FlowintCmd.Add || this.cmd === FlowintCmd.Sub;
  }
}

export function parseFlowint(value: string): FlowintOp {
  const parts = value.split(',').map((s) => s.trim());
  const name = parts[0] ?? '';
  if (!/^[^\s,;]+$/.test(name)) throw invalidValue('flowint', `bad variable name '${name}'`);
  const cmd = CMDS[(parts[1] ?? '').toLowerCase()];
  if (cmd === undefined) throw invalidValue('flowint', `unknown operation '${parts[1] ?? ''}'`);
  if (cmd === FlowintCmd.Isset || cmd === FlowintCmd.Notset) {
    if (parts.length !== 2) throw invalidValue('flowint', `'${parts[1]}' takes no value`);
    return new FlowintOp(cmd, name, 0, null);
  }
  if (parts.length !== 3 || parts[2] === '') throw invalidValue('flowint', `'${parts[1]}' needs a value`);
  const v = parts[2]!;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n > 0xffffffff) throw invalidValue('flowint', `${n} is above 4294967295`);
    return new FlowintOp(cmd, name, n, null);
  }
  if (!/^[^\s,;]+$/.test(v)) throw invalidValue('flowint', `bad value '${v}'`);
  return new FlowintOp(cmd, name, 0, v);
}
