/**
 * `mirrorsink serve`: run as an AWS Traffic Mirroring target. Binds UDP 4789 (VXLAN) and 6081
 * (GENEVE), or captures from an interface, and serves /metrics, /healthz, /readyz and the API
 * on HTTP. SIGHUP reloads the configuration; SIGTERM/SIGINT drain, flush and exit 0.
 */
import { prefilterEngine } from '../../detect/prefilter-native.js';
import { parseCommandArgs } from '../args.js';
import { loadServeConfig } from '../../pipeline/serve-config.js';
import { DEFAULT_STATE_DIR, ENV_STATE_DIR, stateDir } from '../../config/state-dir.js';
import { runtimeFilePath } from '../../service/serve-runtime.js';
import { cliOverrides, ENV_VARS, type ServeFlags } from '../../config/overrides.js';
import { DEFAULTS } from '../../config/schema.js';
import { MirrorsinkService } from '../../service/service.js';
import { StageBuildError, buildStages, retireStages } from '../../pipeline/build.js';
import { chooseReceiver } from '../../source/batch-socket.js';
import { ErrorCode, MirrorsinkError } from '../../errors.js';
import { availableParallelism } from 'node:os';
import { chooseWorkerPath } from '../../pipeline/worker-path.js';
import type { MirrorsinkConfig } from '../../config/schema.js';

/**
 * serve --check's line about pipeline threads: how many, and the path datagrams take to them on
 * this configuration (pipeline/worker-path.ts) and why.
 */
function workerPathLine(config: MirrorsinkConfig, receiver: 'recvmmsg' | 'dgram', reusePort: boolean): string {
  const cores = availableParallelism();
  const choice = chooseWorkerPath({
    workers: config.workers,
    receiver: config.capture.interface !== null ? 'pcap' : receiver,
    geneve: config.listen.genevePort !== null,
    dedup: config.dedup.enabled,
    reusePort,
  });
  const hint = config.workers === 1 && cores > 1 ? ` (this machine has ${cores} cores: workers: auto uses them all)` : '';
  return `  pipeline threads (workers): ${config.workers}${hint}; path: ${choice.path}, ${choice.reason}\n`;
}

const HELP = `Usage: mirrorsink serve [options]

Receives VPC Traffic Mirroring (VXLAN, UDP ${DEFAULTS.vxlanPort}; GENEVE via Gateway Load Balancer,
UDP ${DEFAULTS.genevePort}), works out each packet's session (VNI) and direction, applies mirror
filters, tracks flows and runs IDS rules. Metrics, health and API on HTTP.

Options:
  --config FILE           YAML configuration (also MIRRORSINK_CONFIG); see examples/mirrorsink.yaml
  --bind ADDR             UDP bind address, repeatable (IPv4 and/or IPv6; default ${DEFAULTS.bind.join(',')})
  --vxlan-port N          VXLAN port (default ${DEFAULTS.vxlanPort}; 0 = any free port)
  --geneve-port N         GENEVE port (default ${DEFAULTS.genevePort}; 0 = any free port)
  --no-geneve             no GENEVE listener
  --receive-buffer BYTES  UDP receive buffer per socket (default ${DEFAULTS.receiveBufferBytes})
  --receiver METHOD       recvmmsg (native batches), dgram (Node's) or auto (default: recvmmsg if built)
  --http-port N           HTTP port for /metrics, /healthz, /readyz, /api (default ${DEFAULTS.httpPort})
  --http-bind ADDR        HTTP bind address (default ${DEFAULTS.httpBind})
  --rules FILE            Suricata-language rules file, repeatable (replaces rules.files;
                          default, as replay: the bundled ruleset in rules/)
  --eve FILE              write EVE JSON alerts to FILE (default STATE_DIR/eve.json)
  --state-dir DIR         where default outputs go (also ${ENV_STATE_DIR}; default ${DEFAULT_STATE_DIR})
  --interface IF          capture from IF with libpcap instead of binding UDP sockets
  --capture-filter BPF    capture filter (default '${DEFAULTS.captureFilter}')
  --capture-plain         capture IF's own (untunnelled) traffic
  --unknown-vni POLICY    process | drop packets of VNIs no session names (default process)
  --workers N|auto        pipeline threads (default 1; auto = one per core): flows spread over
                          them by a symmetric hash of the inner flow, outputs stay one file each
  --log-level L           fatal, error, warn, info, debug, trace, silent (default info)
  --check                 validate the configuration (and filters, rules), print the result, exit
  -h, --help              this help

Precedence: flag > environment variable > configuration file > default.
Defaults match replay's: the bundled rules, flow tracking (with EVE flow records) and EVE JSON
to STATE_DIR/eve.json unless the configuration says otherwise (rules: {files: []},
flows: false, eve: {path: false}). /api/ routes answer loopback, or other peers with the token.
Environment: MIRRORSINK_CONFIG, ${ENV_VARS.map((v) => v.name).join(', ')}.

Signals: SIGHUP reloads configuration, filters and rules (a bad one is refused, the running
one kept); SIGTERM/SIGINT stop receiving, drain, flush every record and exit 0.
`;

const OPTIONS = {
  config: { type: 'string' },
  bind: { type: 'string', multiple: true },
  'vxlan-port': { type: 'string' },
  'geneve-port': { type: 'string' },
  'no-geneve': { type: 'boolean' },
  'receive-buffer': { type: 'string' },
  receiver: { type: 'string' },
  'http-port': { type: 'string' },
  'http-bind': { type: 'string' },
  rules: { type: 'string', multiple: true },
  eve: { type: 'string' },
  'state-dir': { type: 'string' },
  interface: { type: 'string' },
  'capture-filter': { type: 'string' },
  'capture-plain': { type: 'boolean' },
  'unknown-vni': { type: 'string' },
  'log-level': { type: 'string' },
  workers: { type: 'string' },
  check: { type: 'boolean' },
} as const;

/** A default EVE path that cannot be opened: say where the default comes from and how to move it. */
function withStateDirHint(err: unknown, dir: string): unknown {
  if (!(err instanceof StageBuildError) || !err.problems.some((p) => p.includes('eve.path: ') && p.includes(dir))) return err;
  return new StageBuildError([
    ...err.problems,
    `eve.path defaults to the state directory ${dir}: make it writable for this user, or set MIRRORSINK_STATE_DIR (--state-dir), or eve.path (false for no EVE)`,
  ]);
}

export async function run(args: string[]): Promise<number> {
  const { values: v, help } = parseCommandArgs('serve', args, OPTIONS, false);
  if (help) {
    process.stdout.write(HELP);
    return 0;
  }
  const flags: ServeFlags = {
    bind: v.bind as string[] | undefined,
    vxlanPort: v['vxlan-port'] as string | undefined,
    genevePort: v['geneve-port'] as string | undefined,
    noGeneve: v['no-geneve'] as boolean | undefined,
    receiveBuffer: v['receive-buffer'] as string | undefined,
    receiver: v.receiver as string | undefined,
    httpPort: v['http-port'] as string | undefined,
    httpBind: v['http-bind'] as string | undefined,
    rules: v.rules as string[] | undefined,
    eve: v.eve as string | undefined,
    interface: v.interface as string | undefined,
    captureFilter: v['capture-filter'] as string | undefined,
    capturePlain: v['capture-plain'] as boolean | undefined,
    unknownVni: v['unknown-vni'] as string | undefined,
    logLevel: v['log-level'] as string | undefined,
    workers: v.workers as string | undefined,
  };
  const file = v.config as string | undefined;
  const stateDirFlag = v['state-dir'] as string | undefined;
  const load = () => loadServeConfig({ file, cli: cliOverrides(flags), ...(stateDirFlag !== undefined ? { stateDir: stateDirFlag } : {}) });

  const state = stateDir(process.env, stateDirFlag).dir;
  if (v.check === true) {
    const loaded = load();
    const stages = await buildStages(loaded.config, { drops: new Float64Array(4), dryRun: true }, null).catch((err: unknown) => {
      throw withStateDirHint(err, state);
    });
    await retireStages(stages, null);
    const receiver = chooseReceiver(loaded.config.listen.receiver);
    if (receiver.use === null) throw new MirrorsinkError(ErrorCode.NativeUnavailable, receiver.error);
    process.stdout.write(
      `configuration OK${loaded.config.file ? `: ${loaded.config.file}` : ' (defaults)'}\n` +
        `  sessions: ${stages.summary.sessions}, filters: ${stages.summary.filters}, rules loaded: ${stages.summary.rules_loaded}, failed: ${stages.summary.rules_failed}\n` +
        `  UDP receiver: ${receiver.use === 'recvmmsg' ? 'recvmmsg batches (native)' : `Node's dgram${receiver.fallback ? ` (${receiver.fallback})` : ''}`}\n` +
        `  detection prefilter: ${prefilterEngine().description}\n` +
        workerPathLine(loaded.config, receiver.use, receiver.use === 'recvmmsg' && receiver.module.reusePort === true) +
        loaded.assumptions.map((a) => `  assumed: ${a}\n`).join('') +
        stages.warnings.map((w) => `  warning: ${w}\n`).join(''),
    );
    return 0;
  }

  const svc = await MirrorsinkService.start({ load, runtimeFile: runtimeFilePath(state) }).catch((err: unknown) => {
    throw withStateDirHint(err, state);
  });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        svc.log.warn({ signal }, 'second signal while stopping: exiting now');
        process.exit(1);
      }
      stopping = true;
      svc.stop(signal).then(
        () => {
          process.removeListener('SIGHUP', onHup);
          resolve(0);
          // Anything left holding the loop open must not keep a stopped sink alive.
          setTimeout(() => process.exit(0), 2000).unref();
        },
        (err: unknown) => {
          svc.log.error({ err }, 'error while stopping');
          resolve(1);
          // A failed stop must not leave the process running either.
          setTimeout(() => process.exit(1), 2000).unref();
        },
      );
    };
    const onHup = () => {
      void svc.reload('SIGHUP');
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', onHup);
  });
}
