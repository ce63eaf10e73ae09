/**
 * Where the shared corpus is: ../shared beside the checkout (CI always has it). Tests that need
 * it use `describeWithCorpus`, which skips with a visible notice when it is absent.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, it } from 'vitest';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = process.env.MIRRORSINK_SHARED ?? path.resolve(REPO_ROOT, '..', 'shared');
export const CORPUS_DIR = path.join(SHARED_DIR, 'corpus');
export const PCAP_DIR = path.join(CORPUS_DIR, 'pcaps');
export const HAVE_CORPUS = existsSync(PCAP_DIR);

export function corpusPath(...parts: string[]): string {
  return path.join(CORPUS_DIR, ...parts);
}

export function pcapPath(...parts: string[]): string {
  return path.join(PCAP_DIR, ...parts);
}

let warned = false;
/** describe() that runs only when ../shared/corpus exists, with a notice otherwise. */
export function describeWithCorpus(name: string, fn: () => void): void {
  if (!HAVE_CORPUS && !warned) {
    warned = true;
    process.stderr.write(`\nNOTICE: ${CORPUS_DIR} is absent: corpus tests are skipped (CI always has it)\n\n`);
  }
  // A skipped describe still runs its body to collect the tests, and the bodies read the corpus:
  // without it, register one skipped test in its place instead.
  if (HAVE_CORPUS) describe(name, fn);
  else describe.skip(name, () => it.skip(`needs ${CORPUS_DIR}`, () => {}));
}
