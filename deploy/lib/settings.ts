/**
 * Deployment settings from CDK context: `-c settings=FILE` (YAML or JSON) and/or single keys
 * (`-c vpcId=vpc-... -c subnetIds=subnet-a,subnet-b ...`); single keys win over the file.
 * Every problem is reported with the key's name, before anything is synthesized.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { EniTargetSettings } from './eni-target-stack.js';
import { loadFilterFile } from './filter.js';
import type { SessionSpec } from './mirror.js';
import type { NlbTargetSettings, TargetSettings } from './nlb-target-stack.js';
import type { ConfigSource } from './user-data.js';

export type Target = 'nlb' | 'eni';

export interface DeploySettings {
  target: Target;
  stackName: string;
  nlb?: NlbTargetSettings;
  eni?: EniTargetSettings;
}

export const SETTINGS_KEYS = [
  'target', 'stackName', 'vpcId', 'vpcCidr', 'subnetIds', 'sourceCidrs', 'metricsCidrs', 'instanceType', 'instanceCount',
  'image', 'configFile', 'configParameter', 'filterFile', 'sessions', 'sourceEniIds', 'vnis', 'packetLength', 'volumeGiB',
] as const;

export class SettingsError extends Error {
  constructor(message: string) {
    super(`mirrorsink deploy settings: ${message}`);
    this.name = 'SettingsError';
  }
}

/** `context(key)` is app.node.tryGetContext; relative paths are taken from `cwd`. */
export function readSettings(context: (key: string) => unknown, cwd = process.cwd()): DeploySettings {
  const values: Record<string, unknown> = {};
  const baseDirs: Record<string, string> = {};
  const file = context('settings');
  if (file !== undefined) {
    if (typeof file !== 'string') throw new SettingsError('settings must be a file path');
    const full = path.resolve(cwd, file);
    let doc: unknown;
    try {
      doc = parse(readFileSync(full, 'utf8'));
    } catch (err) {
      throw new SettingsError(`cannot read ${full}: ${(err as Error).message}`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new SettingsError(`${full} must be a mapping`);
    for (const [k, v] of Object.entries(doc)) {
      if (!(SETTINGS_KEYS as readonly string[]).includes(k)) throw new SettingsError(`${full}: unknown key '${k}' (known: ${SETTINGS_KEYS.join(', ')})`);
      values[k] = v;
      baseDirs[k] = path.dirname(full);
    }
  }
  for (const k of SETTINGS_KEYS) {
    const v = context(k);
    if (v !== undefined) {
      values[k] = v;
      baseDirs[k] = cwd;
    }
  }

  const target = (values.target ?? 'nlb') as Target;
  if (target !== 'nlb' && target !== 'eni') throw new SettingsError(`target must be nlb or eni, got '${String(values.target)}'`);

  const filterFile = pathValue(values, baseDirs, 'filterFile', true)!;
  const filter = loadFilterFile(filterFile);
  const common: TargetSettings = {
    vpcId: matching(values, 'vpcId', /^vpc-[0-9a-f]{8,17}$/, 'a VPC id like vpc-0123456789abcdef0'),
    vpcCidr: matching(values, 'vpcCidr', CIDR, 'a CIDR block like 10.0.0.0/16'),
    sourceCidrs: list(values, 'sourceCidrs', true).map((c) => check(c, CIDR, 'sourceCidrs', 'CIDR blocks')),
    metricsCidrs: values.metricsCidrs === undefined ? undefined : list(values, 'metricsCidrs', true).map((c) => check(c, CIDR, 'metricsCidrs', 'CIDR blocks')),
    instanceType: values.instanceType === undefined ? 'c6i.large' : matching(values, 'instanceType', /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'an instance type like c6i.large'),
    image: str(values, 'image'),
    config: configSource(values, baseDirs),
    filter,
    filterYaml: readFileSync(filterFile, 'utf8'),
    sessions: sessions(values),
    volumeGiB: values.volumeGiB === undefined ? undefined : int(values, 'volumeGiB', 8, 16384),
  };
  const subnetIds = list(values, 'subnetIds', true).map((s) => check(s, /^subnet-[0-9a-f]{8,17}$/, 'subnetIds', 'subnet ids'));
  const stackName = values.stackName === undefined ? (target === 'nlb' ? 'MirrorsinkNlbTarget' : 'MirrorsinkEniTarget') : str(values, 'stackName');

  if (target === 'nlb') {
    if (subnetIds.length < 2) throw new SettingsError('subnetIds: the NLB target needs at least two subnets in different Availability Zones');
    const instanceCount = values.instanceCount === undefined ? undefined : int(values, 'instanceCount', 1, 100);
    return { target, stackName, nlb: { ...common, subnetIds, instanceCount } };
  }
  if (subnetIds.length !== 1) throw new SettingsError('subnetIds: the ENI target takes exactly one subnet');
  return { target, stackName, eni: { ...common, subnetId: subnetIds[0]! } };
}

const CIDR = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-f:]+\/\d{1,3})$/i;

function sessions(values: Record<string, unknown>): SessionSpec[] {
  const packetLength = values.packetLength === undefined ? undefined : int(values, 'packetLength', 1, 8500);
  if (values.sessions !== undefined) {
    let raw = values.sessions;
    if (typeof raw === 'string') {
      try {
        raw = JSON.parse(raw);
      } catch {
        throw new SettingsError('sessions must be a JSON list like [{"sourceEniId":"eni-...","vni":1001}]');
      }
    }
    if (!Array.isArray(raw)) throw new SettingsError('sessions must be a list');
    return raw.map((r, i) => {
      if (typeof r !== 'object' || r === null) throw new SettingsError(`sessions[${i}] must be a mapping`);
      const known = ['sourceEniId', 'vni', 'ingressVni', 'egressVni', 'sessionNumber', 'packetLength'];
      for (const k of Object.keys(r)) if (!known.includes(k)) throw new SettingsError(`sessions[${i}]: unknown key '${k}' (known: ${known.join(', ')})`);
      const spec = r as SessionSpec;
      return { ...spec, packetLength: spec.packetLength ?? packetLength };
    });
  }
  // Shorthand: sourceEniIds=eni-a,eni-b vnis=1001,1002 (one VNI per source, both directions).
  const enis = list(values, 'sourceEniIds', false);
  const vnis = list(values, 'vnis', false).map((v) => Number(v));
  if (enis.length === 0) throw new SettingsError('give sessions, or sourceEniIds with vnis');
  if (vnis.length !== enis.length || vnis.some((v) => !Number.isInteger(v))) {
    throw new SettingsError(`vnis must give one integer VNI per source ENI (${enis.length} ENIs, vnis: ${String(values.vnis)})`);
  }
  return enis.map((sourceEniId, i) => ({ sourceEniId, vni: vnis[i]!, packetLength }));
}

function configSource(values: Record<string, unknown>, baseDirs: Record<string, string>): ConfigSource {
  const file = pathValue(values, baseDirs, 'configFile', false);
  const parameter = values.configParameter;
  if ((file === undefined) === (parameter === undefined)) {
    throw new SettingsError('give exactly one of configFile (mirrorsink.yaml, put in the user data) or configParameter (SSM parameter name)');
  }
  if (file !== undefined) {
    try {
      return { inline: readFileSync(file, 'utf8') };
    } catch (err) {
      throw new SettingsError(`configFile: cannot read ${file}: ${(err as Error).message}`);
    }
  }
  return { ssmParameter: check(str(values, 'configParameter'), /^\/[\w.\-/]+$/, 'configParameter', "an SSM parameter name starting with '/'") };
}

function pathValue(values: Record<string, unknown>, baseDirs: Record<string, string>, key: string, required: boolean): string | undefined {
  if (values[key] === undefined) {
    if (required) throw new SettingsError(`${key} is required`);
    return undefined;
  }
  return path.resolve(baseDirs[key]!, str(values, key));
}

function str(values: Record<string, unknown>, key: string): string {
  const v = values[key];
  if (typeof v !== 'string' || v === '') throw new SettingsError(`${key} is required (a string)`);
  return v;
}

function matching(values: Record<string, unknown>, key: string, re: RegExp, what: string): string {
  return check(str(values, key), re, key, what);
}

function check(v: string, re: RegExp, key: string, what: string): string {
  if (!re.test(v)) throw new SettingsError(`${key}: '${v}' is not ${what}`);
  return v;
}

function int(values: Record<string, unknown>, key: string, min: number, max: number): number {
  const n = Number(values[key]);
  if (!Number.isInteger(n) || n < min || n > max) throw new SettingsError(`${key} must be an integer from ${min} to ${max}, got '${String(values[key])}'`);
  return n;
}

/** A list from YAML/JSON, or a comma-separated string from `-c key=a,b`. */
function list(values: Record<string, unknown>, key: string, required: boolean): string[] {
  const v = values[key];
  if (v === undefined) {
    if (required) throw new SettingsError(`${key} is required`);
    return [];
  }
  const items = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',') : [String(v)];
  const out = items.map((s) => s.trim()).filter((s) => s !== '');
  if (required && out.length === 0) throw new SettingsError(`${key} must not be empty`);
  return out;
}
