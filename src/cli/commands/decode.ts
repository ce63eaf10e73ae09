/**
 * `mirrorsink decode FILE [--json] [--limit N]`: print every packet of a capture file as the
 * decoder sees it, one line (or one JSON object) per packet. Useful to check what the sink
 * will make of a capture, and the oracle the decoder tests compare with tshark.
 */
import { parseCommandArgs, intOption } from '../args.js';
import { ErrorCode, ExitCode, MirrorsinkError } from '../../errors.js';
import { readCaptureFile } from '../../source/capture-file.js';
import { DecodeCounters } from '../../decode/decode-events.js';
import { decodeFrame } from '../../decode/decoder.js';
import { PacketView } from '../../decode/packet-view.js';
import { formatPacketJson, formatPacketLine } from '../../decode/packet-format.js';

export const HELP = `Usage: mirrorsink decode FILE [--json] [--limit N]

Decode every packet of a pcap or pcapng capture file (format from the magic number, any
link type the sink supports) and print one line per packet. VXLAN (UDP 4789) and GENEVE
(UDP 6081) on the outermost IP/UDP layer are opened one level; the inner packet is shown.

Options:
  --json       one JSON object per line, keys in this order:
                 n          frame number (1-based)
                 ts         time, seconds.nanoseconds (9 digits)
                 vni        VXLAN/GENEVE VNI, null when not tunnelled
                 outer      {src,dst,sport,dport} of the tunnel's IP/UDP header, or null
                 src, dst   inner IP addresses (null when no IP)
                 proto      IP protocol after IPv6 extension headers (null when no IP)
                 sport, dport           TCP/UDP ports (null when none)
                 icmp_type, icmp_code   (null when not ICMP)
                 tcp_flags  TCP flags byte (null when not TCP)
                 ip_len     IPv4 total length / IPv6 40 + payload length (null when no IP)
                 frag       IP fragment
                 vlan       VLAN ids of the (inner) frame
                 truncated  the IP length claims more bytes than were captured
                 error      decoder event name (e.g. "tcp.hlen_too_small"), null when none
  --limit N    stop after N packets
  -h, --help   this text
`;

/** Thrown from the frame sink to stop reading early (--limit, closed stdout). */
const STOP = Symbol('stop');

/** Collects output lines and writes them in large chunks, not once per packet. */
class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;
  closed = false;

  constructor(private readonly out: NodeJS.WritableStream, private readonly chunk = 256 * 1024) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      // `mirrorsink decode f | head`: the reader went away, stop quietly.
      if (err.code === 'EPIPE') this.closed = true;
      else throw err;
    });
  }

  line(s: string): void {
    this.parts.push(s);
    this.size += s.length + 1;
    if (this.size >= this.chunk) this.flushSync();
  }

  private flushSync(): void {
    if (this.parts.length === 0 || this.closed) return;
    this.out.write(this.parts.join('\n') + '\n');
    this.parts = [];
    this.size = 0;
  }

  /** Write what is left and wait until the stream has taken it. */
  async end(): Promise<void> {
    if (this.closed) return;
    const rest = this.parts.length === 0 ? '' : this.parts.join('\n') + '\n';
    this.parts = [];
    this.size = 0;
    await new Promise<void>((resolve) => {
      this.out.write(rest, () => resolve());
    });
  }
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs('decode', args, {
    json: { type: 'boolean' },
    limit: { type: 'string' },
  });
  if (parsed.help) {
    process.stdout.write(HELP);
    return ExitCode.Ok;
  }
  if (parsed.positionals.length !== 1) {
    throw new MirrorsinkError(ErrorCode.Usage, "decode: expected exactly one capture FILE (see 'mirrorsink decode --help')");
  }
  const file = parsed.positionals[0]!;
  const json = parsed.values.json === true;
  const limit = intOption('decode', 'limit', parsed.values.limit, 0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);

  const writer = new ChunkedWriter(process.stdout);
  const p = new PacketView();
  const counters = new DecodeCounters();
  let n = 0;
  let truncatedTail = false;
  try {
    truncatedTail = readCaptureFile(file, {
      onFrame(buf, offset, caplen, wirelen, linktype, tsSec, tsNsec) {
        if (n >= limit || writer.closed) throw STOP;
        n++;
        p.setFrame(buf, offset, caplen, wirelen, linktype);
        p.tsSec = tsSec;
        p.tsNsec = tsNsec;
        p.frameNo = n;
        decodeFrame(p, counters);
        writer.line(json ? formatPacketJson(p) : formatPacketLine(p));
      },
    }).truncatedTail;
  } catch (err) {
    if (err !== STOP) throw err;
  }
  await writer.end();
  // As tcpdump does: say that the file ends inside a record instead of dropping it silently.
  if (truncatedTail) process.stderr.write(`mirrorsink: warning: ${file}: truncated dump file (last record incomplete, not read)\n`);
  return ExitCode.Ok;
}
