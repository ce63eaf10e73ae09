/**
 * Protocols whose whole flow is one transaction (the TLS handshake, the SSH banners): a view per
 * flow slot over the protocol's state, taken from a pool when the slot's first data comes and
 * returned when the slot is cleared. The tx lives as long as the flow, so marking it done frees
 * nothing.
 */
import type { AppTx, AppTxParser } from './app-tx.js';
import type { AppLayerProtoParser } from './parser.js';
import { SlotTable } from './slot-table.js';

/** The incremental state such a protocol keeps per flow. */
export interface FlowStreamState {
  feed(toServer: boolean, buf: Uint8Array, off: number, len: number): void;
  gap(toServer: boolean, len: number): void;
  end(toServer: boolean): void;
}

/** The flow's one transaction: the state plus the tx bookkeeping. */
export interface FlowTxView<S extends FlowStreamState> extends AppTx {
  readonly state: S;
  reset(): void;
}

export abstract class FlowTxParser<S extends FlowStreamState, V extends FlowTxView<S>> implements AppLayerProtoParser, AppTxParser {
  abstract readonly completeProgress: number;
  private readonly views: SlotTable<V>;
  /** Views of cleared slots, reused. */
  private readonly free: V[] = [];

  constructor(readonly capacity: number) {
    this.views = new SlotTable<V>(capacity);
  }

  protected abstract newView(): V;

  /** A view was just given to a slot (new or reused): per-build settings go here. */
  protected taken(_v: V): void {}

  view(slot: number): V {
    let v = this.views.get(slot);
    if (v === undefined) {
      v = this.views.set(slot, this.free.pop() ?? this.newView());
      this.taken(v);
    }
    return v;
  }

  /** The flow's state, undefined when the slot has none. */
  state(slot: number): S | undefined {
    return this.views.get(slot)?.state;
  }

  parse(slot: number, toServer: boolean, buf: Uint8Array, off: number, len: number): void {
    this.view(slot).state.feed(toServer, buf, off, len);
  }

  gap(slot: number, toServer: boolean, len: number): void {
    this.view(slot).state.gap(toServer, len);
  }

  end(slot: number, toServer: boolean): void {
    this.views.get(slot)?.state.end(toServer);
  }

  clear(slot: number): void {
    const v = this.views.get(slot);
    if (v === undefined) return;
    v.reset();
    this.views.delete(slot);
    this.free.push(v);
  }

  txCount(slot: number): number {
    return this.views.get(slot) === undefined ? 0 : 1;
  }

  getTx(slot: number, i: number): V | undefined {
    return i === 0 ? this.views.get(slot) : undefined;
  }

  markDone(_slot: number, tx: AppTx, bits: number): void {
    // The flow's one tx lives as long as the flow.
    tx.done |= bits;
  }
}
