/**
 * FlowStorage: later stages' per-flow arrays are cleared when the flow table frees a slot,
 * after the flow-end listeners ran (so outputs still read them), and one client per name.
 */
import { describe, expect, it } from 'vitest';
import { PacketView, TCP_SYN } from '../../src/decode/packet-view.js';
import { FlowStorage, type FlowStorageClient } from '../../src/flow/flow-storage.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { fill, type PktSpec } from './make-packet.js';

class Marks implements FlowStorageClient {
  readonly mark: Uint8Array;
  cleared: number[] = [];
  constructor(
    readonly name: string,
    capacity: number,
  ) {
    this.mark = new Uint8Array(capacity);
  }
  clear(slot: number): void {
    this.mark[slot] = 0;
    this.cleared.push(slot);
  }
}

const C: PktSpec = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, flags: TCP_SYN, ts: 1000 };

describe('FlowStorage', () => {
  it('register / unregister / find; a second client under a name replaces the first', () => {
    const s = new FlowStorage(8);
    const a = new Marks('detect', 8);
    const b = new Marks('detect', 8);
    const c = new Marks('stream', 8);
    s.register(a);
    s.register(c);
    expect(s.find('detect')).toBe(a);
    s.register(b);
    expect(s.find('detect')).toBe(b);
    s.clearSlot(3);
    expect([a.cleared, b.cleared, c.cleared]).toEqual([[], [3], [3]]);
    s.unregister(c);
    expect(s.find('stream')).toBeNull();
    s.clearSlot(4);
    expect(c.cleared).toEqual([3]);
  });

  it('the flow table clears a slot after its flow-end listeners, on timeout and at shutdown', () => {
    const t = new FlowTable({ maxFlows: 4 });
    expect(t.storage.capacity).toBe(t.capacity);
    const m = new Marks('detect', t.capacity);
    t.storage.register(m);
    const p = new PacketView();
    t.update(fill(p, C));
    const slot = p.flowIndex;
    m.mark[slot] = 1;
    const seen: number[] = [];
    t.addFlowEndListener((s) => seen.push(m.mark[s]!));
    t.expire(1000 + 31); // tcp new timeout 30 s
    expect(seen).toEqual([1]);
    expect(m.mark[slot]).toBe(0);
    expect(m.cleared).toEqual([slot]);
    // A new flow reusing the slot starts clean; flush clears it too.
    t.update(fill(p, { ...C, ts: 2000 }));
    expect(p.flowIndex).toBe(slot);
    expect(m.mark[slot]).toBe(0);
    m.mark[slot] = 1;
    t.flush();
    expect(seen).toEqual([1, 1]);
    expect(m.mark[slot]).toBe(0);
  });

  it('a stale flow found by a packet is ended (and cleared) before its slot is reused', () => {
    const t = new FlowTable({ maxFlows: 4 });
    const m = new Marks('detect', t.capacity);
    t.storage.register(m);
    const p = new PacketView();
    t.update(fill(p, C));
    m.mark[p.flowIndex] = 1;
    t.update(fill(p, { ...C, ts: 1100 }));
    expect(m.cleared.length).toBe(1);
    expect(m.mark[p.flowIndex]).toBe(0);
  });
});
