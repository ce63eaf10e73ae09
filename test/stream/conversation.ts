/**
 * Test helper: a TCP conversation as Ethernet frames (optionally VXLAN-wrapped as AWS mirrors
 * send them), and a pipeline with the real flow table and stream stage.
 */
import { eth, ipv4, ipv6, tcp, awsVxlan } from '../decode/builders.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { DetectStage } from '../../src/pipeline/stages.js';
import { TcpStreamStage } from '../../src/stream/stream-stage.js';
import type { StreamConfig } from '../../src/stream/stream-config.js';
import { HAS_STREAM_DATA, STREAM_ADDED, STREAM_PSEUDO, type PacketView } from '../../src/decode/packet-view.js';

export const SYN = 0x02;
export const ACK = 0x10;
export const PSH = 0x08;
export const FIN = 0x01;
export const RST = 0x04;

export const C_ISN = 1000;
export const S_ISN = 5000;

export interface Seg {
  from: 'c' | 's';
  flags: number;
  /** Stream offset (bytes after the ISN) of the first payload byte; seq = ISN + 1 + rel. */
  rel?: number;
  /** ACK as stream offset of the other side (ack = otherISN + 1 + ackRel). */
  ackRel?: number;
  data?: string;
  /** Raw seq/ack override. */
  seq?: number;
  ack?: number;
}

export function frame(s: Seg, vxlan = false, v6 = false): Uint8Array {
  const c = s.from === 'c';
  const myIsn = c ? C_ISN : S_ISN;
  const otherIsn = c ? S_ISN : C_ISN;
  const seq = s.seq ?? (s.flags & SYN ? myIsn : myIsn + 1 + (s.rel ?? 0));
  const ack = s.ack ?? ((s.flags & ACK) !== 0 ? otherIsn + 1 + (s.ackRel ?? 0) : 0);
  const payload = new TextEncoder().encode(s.data ?? '');
  const l4 = tcp({ sport: c ? 40000 : 80, dport: c ? 80 : 40000, seq: seq >>> 0, ack: ack >>> 0, flags: s.flags }, payload);
  const inner = v6
    ? eth({ type: 0x86dd }, ipv6({ nh: 6, src: c ? '2001:db8::1' : '2001:db8::2', dst: c ? '2001:db8::2' : '2001:db8::1' }, l4))
    : eth({ type: 0x0800 }, ipv4({ proto: 6, src: c ? '10.0.0.1' : '10.0.0.2', dst: c ? '10.0.0.2' : '10.0.0.1' }, l4));
  return vxlan ? awsVxlan(inner) : inner;
}

export const HANDSHAKE: Seg[] = [
  { from: 'c', flags: SYN },
  { from: 's', flags: SYN | ACK },
  { from: 'c', flags: ACK },
];

/** Records what detection would see: stream windows per direction, per packet flags. */
export class Recorder implements DetectStage {
  readonly windows: Array<{ dir: number; frame: number; pseudo: boolean; text: string }> = [];
  readonly flags: number[] = [];
  inspect(p: PacketView): void {
    if ((p.streamFlags & STREAM_PSEUDO) === 0) this.flags.push(p.streamFlags);
    if ((p.streamFlags & HAS_STREAM_DATA) !== 0) {
      const text = new TextDecoder('latin1').decode(p.streamBuf.subarray(p.streamOff, p.streamOff + p.streamLen));
      this.windows.push({ dir: p.flowDirection, frame: p.frameNo, pseudo: (p.streamFlags & STREAM_PSEUDO) !== 0, text });
    }
  }
  text(dir: number): string {
    return this.windows
      .filter((w) => w.dir === dir)
      .map((w) => w.text)
      .join('');
  }
  added(i: number): boolean {
    return (this.flags[i]! & STREAM_ADDED) !== 0;
  }
}

export function run(segs: Seg[], cfg: Partial<StreamConfig> = {}, opts: { vxlan?: boolean; detect?: DetectStage; flowMidstream?: boolean } = {}) {
  const ft = new FlowTable({ hashSeed: 1, maxFlows: 64, midstream: opts.flowMidstream ?? cfg.midstream ?? false });
  const stream = new TcpStreamStage(ft, cfg);
  const rec = new Recorder();
  const pipeline = new Pipeline({ flow: ft, stream, detect: opts.detect ?? rec });
  let ts = 1_700_000_000;
  for (const s of segs) {
    const f = frame(s, opts.vxlan ?? false);
    pipeline.onFrame(f, 0, f.length, f.length, 1, ts++, 0);
  }
  pipeline.finish();
  return { ft, stream, rec, pipeline };
}
