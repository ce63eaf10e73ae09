/**
 * AWS Traffic Mirror filter semantics: model, loaders, compiled evaluation, pipeline stage,
 * explanations and exports. See model.ts for the semantics and compile.ts for the decisions.
 */
export * from './model.js';
export { loadFilterFile, parseFilterText, detectFilterFormat, type FilterFormat, type LoadFilterOptions, type LoadFilterResult } from './load.js';
export { FilterValidationError, type FilterProblem } from './problems.js';
export {
  compileFilter,
  CompiledFilter,
  RULE_NONE,
  RULE_AMAZON_DNS,
  DIRECTION_UNKNOWN_POLICIES,
  type CompileFilterOptions,
  type DirectionUnknownPolicy,
  type FilterSummary,
  type FilterStats,
} from './compile.js';
export { SessionFilterStage } from './stage.js';
export { parsePacketSpec, explainPacket, formatExplanation, packetViewFromSpec, ruleMismatches, type PacketSpec, type Explanation } from './explain.js';
export { exportFilter, EXPORT_FORMATS, type ExportFormat } from './export.js';
