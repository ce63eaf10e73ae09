/**
 * Suricata's own EVE JSON schema (../shared/reference/eve-schema.json) as a validator, for the
 * tests that check what mirrorsink writes against it. null where ../shared is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { SHARED_DIR } from './corpus.js';

let cached: ValidateFunction | null | undefined;

export function eveSchemaValidator(): ValidateFunction | null {
  if (cached !== undefined) return cached;
  const schemaFile = path.join(SHARED_DIR, 'reference', 'eve-schema.json');
  if (!existsSync(schemaFile)) return (cached = null);
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as object;
  const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true });
  return (cached = ajv.compile(schema));
}
