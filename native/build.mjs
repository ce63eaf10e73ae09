#!/usr/bin/env node
/**
 * Build the optional native parts with node-gyp. Run by `npm install` and `npm run
 * build:native`. It never fails the install: without python3, make, g++ or Node's headers it
 * says what is missing and mirrorsink uses its JavaScript paths instead.
 *
 *  - native/udp_batch.c: the recvmmsg batch receiver (else serve reads UDP with Node's dgram);
 *  - native/hyperscan/hs_prefilter.c: the Hyperscan/Vectorscan multi-pattern prefilter (needs
 *    libhyperscan-dev or libvectorscan-dev; else detection scans with the JavaScript
 *    Aho-Corasick automaton). Its own node-gyp project, so a missing library fails only it.
 *
 * Node's headers: npm's `nodedir` setting when there is one, else the running Node's own
 * install prefix when it ships include/node (Debian/NodeSource packages and the official
 * images do), so that nothing is downloaded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes('--strict');
let failed = false;

function report(ok, built, why, fallback, hint) {
  if (ok) {
    process.stdout.write(`mirrorsink: ${built}\n`);
    return;
  }
  failed = true;
  process.stderr.write(`mirrorsink: ${why}\n  ${fallback}\n  ${hint}\n`);
}

// node-gyp: the one npm runs scripts with, else the copy bundled with npm.
const candidates = [
  process.env.npm_config_node_gyp,
  path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));

/** node-gyp rebuild in dir; null when the addon was built, else why not. */
function gyp(dir, output) {
  if (candidates.length === 0) return 'node-gyp not found (it comes with npm)';
  const args = [candidates[0], 'rebuild', '--directory', dir];
  const ownPrefix = path.resolve(path.dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && existsSync(path.join(ownPrefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${ownPrefix}`);
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status === 0 && existsSync(path.join(dir, 'build', 'Release', output))) return null;
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter((l) => /error|not found|ERR!/i.test(l) && !/ERR! (stack at|System|command|cwd|node -v|node-gyp -v)/.test(l)).slice(0, 6).join('\n    ');
  return `node-gyp failed (exit ${r.status ?? r.signal})${tail ? `:\n    ${tail}` : ''}`;
}

{
  const why = process.platform !== 'linux' ? `recvmmsg needs Linux (this is ${process.platform})` : gyp(here, 'udp_batch.node');
  report(
    why === null,
    'native recvmmsg receiver built (native/build/Release/udp_batch.node)',
    `the optional native recvmmsg receiver was not built: ${why}`,
    "serve will read UDP with Node's dgram (several times the CPU per datagram).",
    'To build it: install python3, make and g++, then run `npm run build:native` in a clone,\n  or `npm rebuild -g mirrorsink` where it was installed with `npm install -g`.',
  );
}

{
  const hsDir = path.join(here, 'hyperscan');
  const header = ['/usr/include/hs/hs.h', '/usr/local/include/hs/hs.h'].find((p) => existsSync(p));
  const why = process.env.MIRRORSINK_NO_NATIVE_PREFILTER === '1'
    ? 'MIRRORSINK_NO_NATIVE_PREFILTER=1'
    : header === undefined
      ? 'Hyperscan/Vectorscan headers not found (hs/hs.h)'
      : gyp(hsDir, 'hs_prefilter.node');
  report(
    why === null,
    'native Hyperscan prefilter built (native/hyperscan/build/Release/hs_prefilter.node)',
    `the optional Hyperscan/Vectorscan prefilter was not built: ${why}`,
    'detection will scan payloads with the JavaScript Aho-Corasick automaton (slower with many rules).',
    'To build it: apt-get install libhyperscan-dev (x86-64) or libvectorscan-dev (arm64 and others), then `npm run build:native`\n  (or `npm rebuild -g mirrorsink` where it was installed with `npm install -g`).',
  );
}

process.exit(strict && failed ? 1 : 0);
