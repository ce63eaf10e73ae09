/**
 * SSH in the app-layer framework: one SshState per flow slot and its one transaction
 * (SshTxView), which serves ssh.proto / ssh.software / hassh buffers (ssh-buffers.ts).
 */
import { AppProto } from '../app-proto.js';
import { AppTxBase, type AppTx } from '../app-tx.js';
import { FlowTxParser } from '../flow-tx-parser.js';
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

/** SSH: the banners (and key exchange init) of a flow are its one transaction. */
export class SshParser extends FlowTxParser<SshState, SshTxView> {
  readonly completeProgress: number = SshProgress.Complete;

  protected newView(): SshTxView {
    return new SshTxView();
  }
}
