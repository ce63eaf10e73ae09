/**
 * Loading a filter file: the text is parsed as YAML (which also reads JSON, keeping line
 * numbers for messages), the format is told from the content (never the file name), and the
 * matching loader validates it. Every problem is reported at once as a FilterValidationError
 * (MirrorsinkError E_FILTER) naming the file, the JSON path, the line and the problem.
 *
 * Formats: `aws-describe` (aws ec2 describe-traffic-mirror-filters / create-traffic-mirror-filter
 * output), `aws-rules` (describe-traffic-mirror-filter-rules), `terraform-json` (.tf.json),
 * `terraform-state` (terraform show -json), `terraform-list` (simple argument lists),
 * `cloudformation` (template resources) and `mirrorsink-yaml` (mirrorsink's own).
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { ErrorCode, MirrorsinkError } from '../errors.js';
import { binaryContent, documentValue, yamlErrorText } from '../yaml-text.js';
import { isRecord } from './build.js';
import { isCloudFormation, loadCloudFormation } from './load-cloudformation.js';
import { loadAwsDescribe, loadAwsRuleListing } from './load-aws.js';
import { isTerraformShape, loadTerraform } from './load-terraform.js';
import { isMirrorsinkYaml, loadMirrorsinkYaml } from './load-yaml.js';
import type { MirrorFilter } from './model.js';
import { FilterValidationError, ProblemCollector, sortProblems, type FilterProblem } from './problems.js';

export type FilterFormat =
  | 'aws-describe'
  | 'aws-rules'
  | 'terraform-json'
  | 'terraform-state'
  | 'terraform-list'
  | 'cloudformation'
  | 'mirrorsink-yaml';

export interface LoadFilterOptions {
  /** Which filter when the file holds several (TrafficMirrorFilterId, name, resource name...). */
  filterId?: string;
  /** AWS-limit violations (more than 10 rules, rule number outside 1-32766, port ranges on
   *  protocols other than TCP/UDP, unknown network services) are errors instead of warnings. */
  strict?: boolean;
}

export interface LoadFilterResult {
  filter: MirrorFilter;
  /** `path (line N): problem` for each warning. */
  warnings: string[];
  format: FilterFormat;
  /** The warnings as structured problems. */
  problems: FilterProblem[];
}

export function detectFilterFormat(root: unknown): FilterFormat | null {
  if (isRecord(root)) {
    if ('TrafficMirrorFilters' in root || 'TrafficMirrorFilter' in root) return 'aws-describe';
    if ('TrafficMirrorFilterRules' in root) return 'aws-rules';
    if (isCloudFormation(root)) return 'cloudformation';
  }
  const tf = isTerraformShape(root);
  if (tf) return tf;
  if (isMirrorsinkYaml(root)) return 'mirrorsink-yaml';
  return null;
}

/** HCL block openers (`resource "aws_..." "name" {`, `provider "aws" {`, `terraform {`). */
const HCL_BLOCK = /^[ \t]*(?:resource|data|provider|variable|output|module|locals|terraform)(?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][\w-]*))*[ \t]*\{[ \t]*(?:#.*)?$/m;

/** The line of the first HCL block in `text`, null when there is none (asked only of texts
 *  that are not valid YAML, so a YAML block scalar quoting HCL is not taken for it). */
function hclLine(text: string): number | null {
  const m = HCL_BLOCK.exec(text.length > 1 << 20 ? text.slice(0, 1 << 20) : text);
  if (!m) return null;
  let line = 1;
  for (let i = 0; i < m.index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Parse a filter from text; `sourceName` is used in messages. Throws FilterValidationError. */
export function parseFilterText(text: string, sourceName: string, opts: LoadFilterOptions = {}): LoadFilterResult {
  const strict = opts.strict === true;
  const refuse = (line: number | null, message: string): never => {
    throw new FilterValidationError(sourceName, [{ severity: 'error', path: '', line, message }]);
  };
  const binary = binaryContent(text);
  if (binary) refuse(binary.line, binary.message);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    // HCL is not YAML: say what it is rather than quote its blocks as YAML errors.
    const hcl = hclLine(text);
    if (hcl !== null) {
      refuse(hcl, 'this is Terraform HCL, which is not read: give the same resources as JSON ' +
        '(filter export --format terraform-json, a .tf.json file, or terraform show -json)');
    }
    const pc = new ProblemCollector(sourceName, strict);
    for (const e of doc.errors) {
      const line = lineCounter.linePos(e.pos[0]).line;
      pc.problems.push({ severity: 'error', path: '', line, message: `not valid YAML/JSON: ${yamlErrorText(e.message)}` });
    }
    throw new FilterValidationError(sourceName, pc.problems);
  }
  const pc = new ProblemCollector(sourceName, strict, doc, lineCounter);
  const value = documentValue(doc, lineCounter);
  if (value.problem) refuse(value.problem.line, value.problem.message);
  const root: unknown = value.value;
  if (root === null || root === undefined) {
    pc.error([], 'the file is empty');
    pc.throwIfErrors();
  }
  const format = detectFilterFormat(root);
  let filter: MirrorFilter;
  switch (format) {
    case 'aws-describe':
      filter = loadAwsDescribe(pc, root as Record<string, unknown>, opts.filterId);
      break;
    case 'aws-rules':
      filter = loadAwsRuleListing(pc, root as Record<string, unknown>, opts.filterId);
      break;
    case 'cloudformation':
      filter = loadCloudFormation(pc, root as Record<string, unknown>, opts.filterId);
      break;
    case 'terraform-json':
    case 'terraform-state':
    case 'terraform-list':
      filter = loadTerraform(pc, root, format, opts.filterId);
      break;
    case 'mirrorsink-yaml':
      filter = loadMirrorsinkYaml(pc, root as Record<string, unknown>, opts.filterId);
      break;
    default:
      pc.error([], 'cannot tell the filter format: expected aws ec2 describe-traffic-mirror-filters JSON ' +
        '(TrafficMirrorFilters), Terraform (resource / values / aws_ec2_traffic_mirror_filter_rule), a CloudFormation ' +
        'template (Resources) or mirrorsink YAML (ingress / egress / network_services)');
      pc.throwIfErrors();
      throw new Error('unreachable');
  }
  pc.throwIfErrors();
  return { filter, warnings: pc.warnings(), format, problems: sortProblems(pc.problems.filter((p) => p.severity === 'warning')) };
}

/** Read and parse a filter file. Throws MirrorsinkError (E_FILE_UNREADABLE / E_FILTER). */
export function loadFilterFile(path: string, opts: LoadFilterOptions = {}): LoadFilterResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new MirrorsinkError(ErrorCode.FileUnreadable, `${path}: cannot read filter file: ${reason}`);
  }
  return parseFilterText(text, path, opts);
}
