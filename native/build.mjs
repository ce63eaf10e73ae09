#!/usr/bin/env node
/**
 * Build the optional native batch receiver (udp_batch.c) with node-gyp. Run by `npm install`
 * and `npm run build:native`. It never fails the install: without python3, make, g++ or Node's
 * headers it says what is missing and mirrorsink reads its sockets with Node's dgram instead.
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

function done(ok, why) {
  if (ok) {
    process.stdout.write('mirrorsink: native recvmmsg receiver built (native/build/Release/udp_batch.node)\n');
    process.exit(0);
  }
  process.stderr.write(
    `mirrorsink: the optional native recvmmsg receiver was not built: ${why}\n` +
      "  serve will read UDP with Node's dgram (several times the CPU per datagram).\n" +
      '  To build it: install python3, make and g++, then run `npm run build:native` in a clone,\n' +
      '  or `npm rebuild -g mirrorsink` where it was installed with `npm install -g`.\n',
  );
  process.exit(strict ? 1 : 0);
}

if (process.platform !== 'linux') done(false, `recvmmsg needs Linux (this is ${process.platform})`);

// node-gyp: the one npm runs scripts with, else the copy bundled with npm.
const candidates = [
  process.env.npm_config_node_gyp,
  path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((p) => p && existsSync(p));
if (candidates.length === 0) done(false, 'node-gyp not found (it comes with npm)');

const args = [candidates[0], 'rebuild', '--directory', here];
const ownPrefix = path.resolve(path.dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(path.join(ownPrefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${ownPrefix}`);
const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (r.status === 0 && existsSync(path.join(here, 'build', 'Release', 'udp_batch.node'))) done(true);
const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter((l) => /error|not found|ERR!/i.test(l) && !/ERR! (stack at|System|command|cwd|node -v|node-gyp -v)/.test(l)).slice(0, 6).join('\n    ');
done(false, `node-gyp failed (exit ${r.status ?? r.signal})${tail ? `:\n    ${tail}` : ''}`);
