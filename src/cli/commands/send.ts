/**
 * `mirrorsink send FILE... --to HOST:PORT`: replay captures to a Traffic Mirroring target the
 * way AWS delivers them: each Ethernet frame becomes one UDP datagram holding a VXLAN header
 * (flags 0x08, the VNI) and the frame (cut to --packet-length bytes after the VXLAN header).
 * Frames that already are VXLAN (outer UDP to 4789, or any UDP with --already-wrapped) are
 * sent as their UDP payload, unchanged.
 *
 * Only the command line lives here: the datagrams are built by emulator/datagrams.ts and sent
 * by emulator/sender.ts (sendmmsg or dgram, pacing, the --aws-sport socket pool: each datagram
 * from its flow's port, already-wrapped input keeping a recorded port in 65408-65535).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { parseCommandArgs, intOption } from '../args.js';
import { ErrorCode, ExitCode, MirrorsinkError } from '../../errors.js';
import { MAX_PACKET_LENGTH } from '../../decode/vxlan-encap.js';
import { VXLAN_PORT } from '../../decode/vxlan.js';
import { prepareDatagrams } from '../../emulator/datagrams.js';
import { sendDatagrams, type SendStats, type SendTarget } from '../../emulator/sender.js';

export const HELP = `Usage: mirrorsink send FILE... --to HOST:PORT [options]

Send the frames of pcap/pcapng files to a mirror target as AWS VPC Traffic Mirroring does:
one UDP datagram per frame = VXLAN header (flags 0x08, VNI) + the Ethernet frame.
Frames that already are VXLAN (UDP to port 4789) are sent as their UDP payload unchanged.
Non-Ethernet captures (raw IP, Linux SLL/SLL2, BSD loopback) get a made-up Ethernet header.

Options:
  --to HOST:PORT        target (IPv4, [IPv6] or a name; port default 4789). Required.
  --vni N               VNI for frames that are not already VXLAN (0-16777215, default 1)
  --rate PPS            datagrams per second; 0 = as fast as possible (default 0)
  --loop N              send the files N times; 0 = until interrupted (default 1)
  --packet-length N     AWS PacketLength: keep at most N bytes after the VXLAN header (1-${MAX_PACKET_LENGTH})
  --already-wrapped     every frame is a VXLAN (any UDP port) capture: send UDP payloads only,
                        skip frames that are not UDP (default: detect UDP/4789 per frame)
  --aws-sport           send each datagram from its flow-hash source port (65408-65535,
                        a pool of up to 128 sockets) instead of one ephemeral port
  --sender METHOD       sendmmsg (native batches), dgram (Node's) or auto (default: sendmmsg
                        where built, dgram with --aws-sport)
  --json                print the summary as one JSON object
  -q, --quiet           print nothing on success
  -h, --help            this text

Summary: packets and bytes (UDP payload) sent, send errors, duration, achieved rate.
`;

/** "HOST:PORT", "[v6]:PORT", "HOST" (port 4789) → name/address and port. */
export function parseHostPort(text: string): { host: string; port: number } {
  let host: string;
  let portText: string | undefined;
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (m) {
    host = m[1]!;
    portText = m[2];
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const i = text.lastIndexOf(':');
    host = i >= 0 ? text.slice(0, i) : text;
    portText = i >= 0 ? text.slice(i + 1) : undefined;
  }
  const port = portText === undefined ? VXLAN_PORT : Number(portText);
  if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new MirrorsinkError(ErrorCode.Usage, `send: --to must be HOST:PORT (port 1-65535), got '${text}'`);
  }
  return { host, port };
}

export async function resolveTarget(host: string, port: number): Promise<SendTarget & { family: 4 | 6 }> {
  const fam = isIP(host);
  if (fam === 4 || fam === 6) return { address: host, port, family: fam };
  try {
    const r = await lookup(host);
    return { address: r.address, port, family: r.family === 6 ? 6 : 4 };
  } catch (err) {
    throw new MirrorsinkError(ErrorCode.Usage, `send: cannot resolve '${host}': ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals, help } = parseCommandArgs('send', args, {
    to: { type: 'string' },
    vni: { type: 'string' },
    rate: { type: 'string' },
    loop: { type: 'string' },
    'packet-length': { type: 'string' },
    'already-wrapped': { type: 'boolean' },
    'aws-sport': { type: 'boolean' },
    sender: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (help) {
    process.stdout.write(HELP);
    return ExitCode.Ok;
  }
  if (positionals.length === 0) throw new MirrorsinkError(ErrorCode.Usage, "send: no capture file given (see 'mirrorsink send --help')");
  if (typeof values.to !== 'string') throw new MirrorsinkError(ErrorCode.Usage, "send: --to HOST:PORT is required (see 'mirrorsink send --help')");
  const { host, port } = parseHostPort(values.to);
  const vni = intOption('send', 'vni', values.vni, 0, 0xffffff, 1);
  const rate = intOption('send', 'rate', values.rate, 0, 100_000_000, 0);
  const loop = intOption('send', 'loop', values.loop, 0, 1_000_000_000, 1);
  const packetLength = intOption('send', 'packet-length', values['packet-length'], 1, MAX_PACKET_LENGTH, 0);
  const alreadyWrapped = values['already-wrapped'] === true;
  const sender = values.sender ?? 'auto';
  if (sender !== 'auto' && sender !== 'sendmmsg' && sender !== 'dgram') {
    throw new MirrorsinkError(ErrorCode.Usage, `send: --sender must be auto, sendmmsg or dgram, got '${sender}'`);
  }

  const target = await resolveTarget(host, port);
  const prep = prepareDatagrams(positionals, { vni, packetLength, alreadyWrapped });

  const ac = new AbortController();
  const stop = (): void => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let stats: SendStats;
  try {
    stats = await sendDatagrams(prep, target, { rate, loop, awsSport: values['aws-sport'] === true, signal: ac.signal, sender });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }

  const targetText = target.family === 6 ? `[${target.address}]:${target.port}` : `${target.address}:${target.port}`;
  if (values.json === true) {
    process.stdout.write(
      JSON.stringify({
        target: targetText,
        files: prep.stats.files,
        frames_read: prep.stats.framesRead,
        datagrams: prep.count,
        wrapped: prep.stats.wrapped,
        passed_through: prep.stats.passedThrough,
        truncated: prep.stats.truncated,
        skipped: prep.stats.skipped,
        vni,
        loops: stats.loops,
        packets: stats.packets,
        bytes: stats.bytes,
        errors: stats.errors,
        duration_s: Number(stats.durationSec.toFixed(6)),
        rate_pps: Math.round(stats.pps),
        mbps: Number(stats.mbps.toFixed(3)),
        interrupted: stats.interrupted,
        sender: stats.method,
      }) + '\n',
    );
  } else if (values.quiet !== true) {
    const s = prep.stats;
    const lines = [
      `sent ${stats.packets} packets, ${stats.bytes} bytes (UDP payload) to ${targetText} in ${stats.durationSec.toFixed(3)} s: ${Math.round(stats.pps)} pkt/s, ${stats.mbps.toFixed(1)} Mbit/s (${stats.method})`,
      `input: ${s.files} file(s), ${s.framesRead} frames: ${s.wrapped} wrapped (VNI ${vni}), ${s.passedThrough} already VXLAN, ${s.truncated} truncated, ${s.skipped} skipped; ${stats.loops} loop(s)`,
    ];
    if (stats.errors > 0) lines.push(`send errors: ${stats.errors}`);
    if (stats.interrupted) lines.push('interrupted');
    process.stdout.write(lines.join('\n') + '\n');
  }
  return stats.errors > 0 && stats.packets === 0 ? ExitCode.Failure : ExitCode.Ok;
}
