/**
 * SSH in the app-layer framework: one SshState per flow slot and its one transaction
 * (SshTxView), which serves ssh.proto / ssh.software / hassh buffers (ssh-buffers.ts).
 */
import { AppProto } from '../app-proto.js';
import { AppTxBase, type AppTx, type AppTxParser } from '../app-tx.js';
import type { AppLayerProtoParser } from '../parser.js';
import { SSH_EVENT_NAMES, SshBuf, SshProgress } from './ssh-buffers.js';
import { SshState } from './ssh-state.js';

export class SshTxView extends AppTxBase implements AppTx {
  readonly alproto = AppProto.Ssh;
  readonly id = 0;
  /** Events of the state already written as EVE anomalies. */
  eventsLogged = 0;
  readonly state = new SshState();
  private cache: (Uint8Array | undefined)[] = [];

  reset(): void {
    this.state.clear();
    this.resetBase();
    this.cache = [];
    this.eventsLogged = 0;
  }

  sideProgress(toServer: boolean): number {
    const s = this.state;
    if (s.finished) return SshProgress.Complete;
    const side = toServer ? s.client : s.server;
    if (side.hassh !== null) return SshProgress.Kex;
    return side.protoVersion !== null ? SshProgress.Banner : SshProgress.None;
  }

  private text(id: number, v: string | null | undefined): number {
    if (v === null || v === undefined) return -1;
    let b = this.cache[id];
    if (b === undefined) b = this.cache[id] = Uint8Array.from(Buffer.from(v, 'latin1'));
    this.bytes = b;
    this.offset = 0;
    return b.length;
  }

  bufferCount(id: number): number {
    if (id === SshBuf.Event) return this.state.events.length;
    return this.bufferAt(id, 0) < 0 ? 0 : 1;
  }

  bufferAt(id: number, _k: number): number {
    const s = this.state;
    switch (id) {
      case SshBuf.Proto:
        return this.text(id, s.client.protoVersion);
      case SshBuf.Proto + 1:
        return this.text(id, s.server.protoVersion);
      case SshBuf.Software:
        return this.text(id, s.client.softwareVersion);
      case SshBuf.Software + 1:
        return this.text(id, s.server.softwareVersion);
      case SshBuf.Hassh:
        return this.text(id, s.client.hassh?.hash);
      case SshBuf.HasshString:
        return this.text(id, s.client.hassh?.string);
      case SshBuf.HasshServer:
        return this.text(id, s.server.hassh?.hash);
      case SshBuf.HasshServerString:
        return this.text(id, s.server.hassh?.string);
      case SshBuf.Event: {
        const e = s.events[_k];
        return e === undefined ? -1 : SSH_EVENT_NAMES.indexOf(e);
      }
      default:
        return -1;
    }
  }
}

export class SshParser implements AppLayerProtoParser, AppTxParser {
  readonly completeProgress: number = SshProgress.Complete;
  private readonly views: (SshTxView | undefined)[];
  private readonly free: SshTxView[] = [];

  constructor(readonly capacity: number) {
    this.views = new Array<SshTxView | undefined>(capacity).fill(undefined);
  }

  view(slot: number): SshTxView {
    let v = this.views[slot];
    if (v === undefined) v = this.views[slot] = this.free.pop() ?? new SshTxView();
    return v;
  }

  state(slot: number): SshState | undefined {
    return this.views[slot]?.state;
  }

  parse(slot: number, toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    this.view(slot).state.feed(toServer, buf, off, len);
  }

  gap(slot: number, toServer: boolean, len: number): void {
    this.view(slot).state.gap(toServer, len);
  }

  end(slot: number, toServer: boolean): void {
    this.views[slot]?.state.end(toServer);
  }

  clear(slot: number): void {
    const v = this.views[slot];
    if (v === undefined) return;
    v.reset();
    this.views[slot] = undefined;
    this.free.push(v);
  }

  txCount(slot: number): number {
    return this.views[slot] === undefined ? 0 : 1;
  }

  getTx(slot: number, i: number): SshTxView | undefined {
    return i === 0 ? this.views[slot] : undefined;
  }

  markDone(_slot: number, tx: AppTx, bits: number): void {
    tx.done |= bits;
  }
}
