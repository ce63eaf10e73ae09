/** Test helpers: an AppLayer with real parsers, feeding strings, and a tx snapshot for comparisons. */
import { AppLayer, type AppLayerOptions } from '../../../src/applayer/app-layer.js';
import { AppProto } from '../../../src/applayer/app-proto.js';
import { HttpBuf, HTTP_BUF_COUNT } from '../../../src/applayer/http/http-buffers.js';
import { defaultHttpConfig, type HttpConfig } from '../../../src/applayer/http/http-config.js';
import { HTTP_EVENT_NAMES } from '../../../src/applayer/http/http-events.js';
import type { HttpParser } from '../../../src/applayer/http/http-parser.js';
import type { HttpTx } from '../../../src/applayer/http/http-tx.js';

export const BUF_NAMES: Record<number, string> = Object.fromEntries(Object.entries(HttpBuf).map(([k, v]) => [v, k]));

export function makeHttp(http: Partial<HttpConfig> = {}, opts: Omit<AppLayerOptions, 'config'> = {}): { al: AppLayer; p: HttpParser } {
  const al = new AppLayer(8, { ...opts, config: { http: defaultHttpConfig(http) } });
  return { al, p: al.parser(AppProto.Http) as HttpParser };
}

export function feed(al: AppLayer, slot: number, toServer: boolean, data: string | Uint8Array): void {
  const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  // Offset inside a larger array: parsers must honour off.
  const big = new Uint8Array(b.length + 7);
  big.set(b, 3);
  al.onData(slot, toServer, big, 3, b.length);
}

/** Feed `data` cut at the given positions. */
export function feedSplit(al: AppLayer, slot: number, toServer: boolean, data: string, cuts: number[]): void {
  const b = Buffer.from(data, 'latin1');
  let prev = 0;
  for (const c of [...cuts, b.length]) {
    if (c > prev) feed(al, slot, toServer, b.subarray(prev, c));
    prev = Math.max(prev, c);
  }
}

export interface TxSnap {
  id: number;
  progress: [number, number];
  events: string[];
  buffers: Record<string, string>;
}

export function snap(tx: HttpTx): TxSnap {
  const buffers: Record<string, string> = {};
  for (let id = 0; id < HTTP_BUF_COUNT; id++) {
    const t = tx.text(id);
    if (t !== undefined) buffers[BUF_NAMES[id]!] = t;
  }
  const events = HTTP_EVENT_NAMES.filter((_, i) => tx.hasEvent(i));
  return { id: tx.id, progress: [tx.progressToServer, tx.progressToClient], events, buffers };
}

export function snapAll(p: HttpParser, slot: number): TxSnap[] {
  const out: TxSnap[] = [];
  for (let i = 0; i < p.txCount(slot); i++) out.push(snap(p.getTx(slot, i)!));
  return out;
}
