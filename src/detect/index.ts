/**
 * Public surface of the detection engine, for the pipeline assembly (replay/serve) and tools.
 */
export { DEFAULT_RULES_DIR, loadRuleFiles, loadRulesText, RuleSet, type LoadOptions } from './rule-loader.js';
export { DetectEngine, createDetectStage, type DetectEngineOptions, type DetectFlowSource } from './engine.js';
export type { AlertSink, LineWriter } from './alert-sink.js';
export type { Rule, RuleFailure } from './rule.js';
