/**
 * Output write health for Prometheus: failed writes by output and errno code, and lines or
 * records the outputs dropped because their target refused them. Read from OutputErrors at
 * scrape time (writes count there only when they fail).
 */
import { Counter, type Registry } from 'prom-client';
import type { OutputErrors } from '../output/output-errors.js';
import { publishCounter } from './registry.js';

export function registerOutputMetrics(registry: Registry, errors: OutputErrors): void {
  const registers = [registry];
  new Counter({
    name: 'mirrorsink_output_write_errors_total',
    help: 'Failed writes (or opens) of an output (eve, fast_log, eve_flow, flow_log) by errno code (ENOSPC, EPIPE, EACCES, ENOENT...). Receiving and detection go on.',
    labelNames: ['output', 'code'],
    registers,
    collect() {
      publishCounter(this, errors.errorSeries().map((e) => [{ output: e.output, code: e.code }, e.count] as const));
    },
  });
  new Counter({
    name: 'mirrorsink_output_dropped_total',
    help: 'Lines (EVE, fast.log) or flow-log records an output dropped because its target refused writes (buffer over its bound, file abandoned, close timeout, stdout reader gone).',
    labelNames: ['output'],
    registers,
    collect() {
      publishCounter(this, errors.dropSeries().map((d) => [{ output: d.output }, d.count] as const));
    },
  });
}
