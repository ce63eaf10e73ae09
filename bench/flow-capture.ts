/**
 * The many-flows replay file: N AWS-style VXLAN packets, each one its own flow (a UDP datagram
 * from a distinct inner source address/port to one server), spaced evenly over `spanSec`
 * seconds. It stresses everything per flow (flow table churn, flow-log records) rather than
 * per packet. Built by code under bench/out/ (git-ignored) and reused when its size matches.
 *
 * One template frame is built with the capture builders; per packet only the inner source
 * address, source port and IPv4 header checksum are patched (inner UDP checksum 0: "none").
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ETHERTYPE_IPV4, PROTO_UDP, bytes, concat, ethernet, ipv4, macBytes, u16 } from '../src/emulator/captures/packet-builder.js';
import { ipv4HeaderChecksum, wrapFrame, VXLAN_IPV4_OVERHEAD } from '../src/decode/vxlan-encap.js';
import { BASE_TIME_SEC as BASE_SEC } from '../src/emulator/captures/kit.js';
import { repoRoot } from './large-capture.js';

const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;

export function defaultFlowCapturePath(flows: number): string {
  return path.join(repoRoot(), 'bench', 'out', `flows-${flows}.pcap`);
}

function template(): { frame: Uint8Array; innerIp: number } {
  const payload = bytes('mirrorsink bench: one packet, one flow');
  const udp = concat(u16(40000), u16(53), u16(8 + payload.length), u16(0), payload);
  const ip = ipv4({ src: '10.128.0.0', dst: '10.0.1.10', ttl: 64 }, PROTO_UDP, udp);
  const inner = ethernet(macBytes('02:00:0a:00:01:0a'), macBytes('02:00:0a:80:00:00'), ETHERTYPE_IPV4, ip);
  const frame = new Uint8Array(VXLAN_IPV4_OVERHEAD + inner.length);
  wrapFrame(frame, inner, 0, inner.length, { outerSrc: '10.0.1.10', outerDst: '10.0.100.5', vni: 1, sport: 49152 });
  return { frame, innerIp: VXLAN_IPV4_OVERHEAD + 14 };
}

/**
 * Build (or reuse) a classic pcap of `flows` single-packet flows at `outPath` spread over
 * `spanSec` seconds of packet time; returns outPath.
 */
export function buildFlowCapture(outPath: string, flows: number, spanSec = 60): string {
  const { frame, innerIp } = template();
  const recLen = RECORD_HEADER_BYTES + frame.length;
  const expectedSize = GLOBAL_HEADER_BYTES + flows * recLen;
  if (existsSync(outPath) && statSync(outPath).size === expectedSize) return outPath;

  mkdirSync(path.dirname(outPath), { recursive: true });
  const partial = `${outPath}.partial`;
  const fd = openSync(partial, 'w');
  const perChunk = 8192;
  const chunk = Buffer.alloc(perChunk * recLen);
  try {
    const header = Buffer.alloc(GLOBAL_HEADER_BYTES);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(65535, 16);
    header.writeUInt32LE(1, 20);
    writeSync(fd, header);
    const stepUsec = (spanSec * 1e6) / Math.max(1, flows);
    for (let first = 0; first < flows; first += perChunk) {
      const n = Math.min(perChunk, flows - first);
      for (let j = 0; j < n; j++) {
        const i = first + j;
        const o = j * recLen;
        const usec = Math.floor(i * stepUsec);
        chunk.writeUInt32LE(BASE_SEC + Math.floor(usec / 1e6), o);
        chunk.writeUInt32LE(usec % 1e6, o + 4);
        chunk.writeUInt32LE(frame.length, o + 8);
        chunk.writeUInt32LE(frame.length, o + 12);
        chunk.set(frame, o + RECORD_HEADER_BYTES);
        const ip = o + RECORD_HEADER_BYTES + innerIp;
        // Source 10.128.0.0/10 + i>>4 and port 40000 + (i & 15): 2^22 × 16 distinct flows.
        const host = i >>> 4;
        chunk[ip + 13] = 128 | ((host >>> 16) & 0x3f);
        chunk[ip + 14] = (host >>> 8) & 0xff;
        chunk[ip + 15] = host & 0xff;
        chunk.writeUInt16BE(40000 + (i & 15), ip + 20);
        chunk[ip + 10] = 0;
        chunk[ip + 11] = 0;
        chunk.writeUInt16BE(ipv4HeaderChecksum(chunk, ip, 20), ip + 10);
      }
      let done = 0;
      const len = n * recLen;
      while (done < len) done += writeSync(fd, chunk, done, len - done);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(partial, outPath);
  return outPath;
}
