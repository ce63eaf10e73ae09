/**
 * Kernel-side drops of our UDP sockets, read from /proc/net/udp and /proc/net/udp6: the last
 * column ("drops") counts datagrams the kernel discarded because the socket's receive buffer
 * was full (or the socket filter refused them). Sockets are matched by local port and by inode
 * (the inodes of our own file descriptors, /proc/self/fd/N → socket:[inode]), so another
 * process bound to the same port (SO_REUSEPORT) is not counted. Linux only; elsewhere every
 * read returns null.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface UdpSocketStat {
  inode: string;
  localPort: number;
  rxQueueBytes: number;
  drops: number;
}

/** Inodes of every socket this process holds open. */
export function ownSocketInodes(fdDir = '/proc/self/fd'): Set<string> {
  const out = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(fdDir);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${fdDir}/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // fd closed meanwhile (the readdir fd itself).
    }
  }
  return out;
}

/** Parse /proc/net/udp(6) text. */
export function parseProcNetUdp(text: string): UdpSocketStat[] {
  const out: UdpSocketStat[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 13) continue;
    const local = f[1]!;
    const colon = local.lastIndexOf(':');
    const queues = f[4]!.split(':');
    out.push({
      inode: f[9]!,
      localPort: parseInt(local.slice(colon + 1), 16),
      rxQueueBytes: parseInt(queues[1] ?? '0', 16),
      drops: Number(f[12]),
    });
  }
  return out;
}

export function readUdpSocketStats(files: readonly string[] = ['/proc/net/udp', '/proc/net/udp6']): UdpSocketStat[] | null {
  const out: UdpSocketStat[] = [];
  let any = false;
  for (const file of files) {
    try {
      out.push(...parseProcNetUdp(readFileSync(file, 'utf8')));
      any = true;
    } catch {
      // udp6 absent when IPv6 is disabled.
    }
  }
  return any ? out : null;
}

/**
 * Tracks the kernel drops of a set of our sockets. Call `attach(ports)` after binding (it finds
 * the inodes), `read()` at scrape/health time.
 */
export class KernelDropReader {
  private inodes = new Set<string>();
  private ports = new Set<number>();
  /** Drops of sockets we no longer hold (closed on shutdown), so the counter never goes back. */
  private retired = 0;
  private last = new Map<string, number>();

  attach(ports: readonly number[]): number {
    this.ports = new Set(ports);
    const own = ownSocketInodes();
    const stats = readUdpSocketStats() ?? [];
    this.inodes = new Set(stats.filter((s) => this.ports.has(s.localPort) && own.has(s.inode)).map((s) => s.inode));
    return this.inodes.size;
  }

  get socketCount(): number {
    return this.inodes.size;
  }

  /** Total drops since attach, or null when /proc/net/udp is unreadable. */
  read(): { drops: number; rxQueueBytes: number } | null {
    const stats = readUdpSocketStats();
    if (stats === null) return null;
    let drops = 0;
    let rxQueueBytes = 0;
    const seen = new Set<string>();
    for (const s of stats) {
      if (!this.inodes.has(s.inode)) continue;
      seen.add(s.inode);
      drops += s.drops;
      rxQueueBytes += s.rxQueueBytes;
      this.last.set(s.inode, s.drops);
    }
    for (const [inode, d] of this.last) {
      if (!seen.has(inode)) {
        this.retired += d;
        this.last.delete(inode);
        this.inodes.delete(inode);
      }
    }
    return { drops: drops + this.retired, rxQueueBytes };
  }
}
