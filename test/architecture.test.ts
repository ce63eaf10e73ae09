/**
 * The directions of src/ (developers' guide, issue 11): stage folders never import the layers
 * that assemble them (cli/, service/, server/, pipeline/ except the stage contracts in
 * pipeline/stages.ts), detect never imports output, and the top-level folders of src/ import
 * each other in one direction only (no cycle of any length). Imports are read with a regex over
 * `import ... from '...'`, `export ... from '...'`, `import '...'` and `import('...')`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../src');

/** Folders of the packet's journey (and the leaf helpers they use). */
const STAGE_FOLDERS = ['source', 'decode', 'session', 'dedup', 'filter', 'flow', 'stream', 'defrag', 'applayer', 'detect', 'output', 'metrics', 'net', 'aws', 'emulator'];
/** The layers that assemble stages: stages never reach up into them. */
const ASSEMBLY_FOLDERS = ['cli', 'service', 'server', 'pipeline'];
/** The one file of pipeline/ that stages may import: the contracts between them. */
const CONTRACTS = 'pipeline/stages.ts';

/** Known violations, each "from-file -> to-file". None today: keep it that way. */
const KNOWN_EXCEPTIONS = new Set<string>([]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT_RE = /(?:^|[;\s])(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Relative imports of every src/ file, as src-relative .ts paths. */
function importGraph(): { from: string; to: string }[] {
  const edges: { from: string; to: string }[] = [];
  for (const file of sourceFiles(SRC)) {
    // Comments may quote import lines; drop them before matching.
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
      edges.push({ from: path.relative(SRC, file), to: path.relative(SRC, target) });
    }
  }
  return edges;
}

/** Top-level folder of a src-relative path ('(root)' for src/*.ts); the contracts are their own node. */
function folderOf(p: string): string {
  if (p === CONTRACTS) return 'pipeline/stages';
  const parts = p.split('/');
  return parts.length > 1 ? parts[0]! : '(root)';
}

/** Every cycle's folders, found by depth-first search over the folder graph. */
function findCycles(graph: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const next of graph.get(n) ?? []) {
      const s = state.get(next);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

describe('architecture: import directions of src/', () => {
  const edges = importGraph();

  it('finds the imports (sanity: the regex sees the known ones)', () => {
    expect(edges.length).toBeGreaterThan(200);
    expect(edges).toContainEqual({ from: 'pipeline/pipeline.ts', to: 'pipeline/stages.ts' });
    expect(edges).toContainEqual({ from: 'cli/main.ts', to: 'cli/commands/serve.ts' }); // import('./commands/serve.js')
  });

  it('stage folders import no cli/, service/, server/ or pipeline/ file except the stage contracts', () => {
    const bad = edges
      .filter((e) => STAGE_FOLDERS.includes(folderOf(e.from)) && ASSEMBLY_FOLDERS.includes(folderOf(e.to)))
      .map((e) => `${e.from} -> ${e.to}`);
    expect(bad).toEqual([]);
  });

  it('detect does not import output', () => {
    const bad = edges
      .filter((e) => folderOf(e.from) === 'detect' && folderOf(e.to) === 'output')
      .map((e) => `${e.from} -> ${e.to}`)
      .filter((e) => !KNOWN_EXCEPTIONS.has(e));
    expect(bad).toEqual([]);
  });

  it('the top-level folders of src/ import each other without a cycle of any length', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of edges) {
      if (KNOWN_EXCEPTIONS.has(`${e.from} -> ${e.to}`)) continue;
      const a = folderOf(e.from);
      const b = folderOf(e.to);
      if (a === b) continue; // inside one folder (decode-events.ts <-> packet-view.ts) is allowed
      if (!graph.has(a)) graph.set(a, new Set());
      graph.get(a)!.add(b);
    }
    expect(findCycles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('the cycle finder sees a longer circle', () => {
    const g = new Map<string, Set<string>>([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ]);
    expect(findCycles(g)).toEqual([['a', 'b', 'c', 'a']]);
  });
});
