/**
 * Flow counter keywords (src/detect-flow-pkts.c, detect-flow-age.c): flow.pkts, flow.bytes
 * (`toserver|toclient|either, <uint expr>`; the older flow.pkts_toserver: <expr> forms too) and
 * flow.age (`<uint expr>` seconds since the flow's first packet). They read the flow table's
 * per-slot counters, which include the packet being inspected; a packet without a flow does
 * not match.
 *
 * flow.bytes counts IP bytes (the flow table's bytesToServer/bytesToClient, as the VPC Flow
 * Logs and EVE flow records use), where Suricata counts whole captured packets, link header
 * included: thresholds near a boundary may differ by the link-layer bytes.
 */
import type { PacketView } from '../../decode/packet-view.js';
import { invalidValue } from '../rule-error.js';
import { Cmp, parseUintExpr } from './header.js';

export const FlowCounter = { Pkts: 0, Bytes: 1, Age: 2 } as const;
export const CounterDir = { ToServer: 1, ToClient: 2, Either: 3 } as const;

export class FlowCounterCheck {
  constructor(
    readonly counter: number,
    readonly dir: number,
    readonly cmp: number,
    readonly a: number,
    readonly b: number,
  ) {}
}

/** What the checks read: the flow table's per-slot arrays (FlowTable has them). */
export interface FlowCounterSource {
  readonly pktsToServer: Float64Array;
  readonly pktsToClient: Float64Array;
  readonly bytesToServer: Float64Array;
  readonly bytesToClient: Float64Array;
  readonly firstSec: Float64Array;
}

const NAMES: ReadonlyMap<string, [number, number]> = new Map([
  ['flow.pkts', [FlowCounter.Pkts, 0]],
  ['flow.bytes', [FlowCounter.Bytes, 0]],
  ['flow.pkts_toserver', [FlowCounter.Pkts, CounterDir.ToServer]],
  ['flow.pkts_toclient', [FlowCounter.Pkts, CounterDir.ToClient]],
  ['flow.bytes_toserver', [FlowCounter.Bytes, CounterDir.ToServer]],
  ['flow.bytes_toclient', [FlowCounter.Bytes, CounterDir.ToClient]],
  ['flow.age', [FlowCounter.Age, CounterDir.Either]],
]);

export const FLOW_COUNTER_KEYWORDS: readonly string[] = [...NAMES.keys()];

export function parseFlowCounter(keyword: string, value: string): FlowCounterCheck {
  const [counter, fixedDir] = NAMES.get(keyword)!;
  let dir = fixedDir;
  let expr = value;
  if (dir === 0) {
    const comma = value.indexOf(',');
    if (comma < 0) throw invalidValue(keyword, `needs a direction: 'toserver|toclient|either, <number>', got '${value}'`);
    const d = value.slice(0, comma).trim().toLowerCase();
    if (d === 'toserver') dir = CounterDir.ToServer;
    else if (d === 'toclient') dir = CounterDir.ToClient;
    else if (d === 'either') dir = CounterDir.Either;
    else throw invalidValue(keyword, `unknown direction '${d}' (toserver, toclient, either)`);
    expr = value.slice(comma + 1);
  }
  const max = counter === FlowCounter.Bytes ? Number.MAX_SAFE_INTEGER : 0xffffffff;
  const { cmp, a, b } = parseUintExpr(keyword, expr, max);
  return new FlowCounterCheck(counter, dir, cmp, a, b);
}

function test(c: FlowCounterCheck, v: number): boolean {
  switch (c.cmp) {
    case Cmp.Eq:
      return v === c.a;
    case Cmp.Lt:
      return v < c.a;
    case Cmp.Lte:
      return v <= c.a;
    case Cmp.Gt:
      return v > c.a;
    case Cmp.Gte:
      return v >= c.a;
    case Cmp.Range:
      return v > c.a && v < c.b;
    case Cmp.Ne:
      return v !== c.a;
    case Cmp.NotRange:
      return v <= c.a || v >= c.b;
    default:
      return false;
  }
}

export function matchFlowCounter(c: FlowCounterCheck, src: FlowCounterSource, slot: number, p: PacketView): boolean {
  if (c.counter === FlowCounter.Age) return test(c, Math.floor(p.tsSec) - Math.floor(src.firstSec[slot]!));
  const ts = c.counter === FlowCounter.Pkts ? src.pktsToServer[slot]! : src.bytesToServer[slot]!;
  const tc = c.counter === FlowCounter.Pkts ? src.pktsToClient[slot]! : src.bytesToClient[slot]!;
  if (c.dir === CounterDir.ToServer) return test(c, ts);
  if (c.dir === CounterDir.ToClient) return test(c, tc);
  return test(c, ts) || test(c, tc);
}
