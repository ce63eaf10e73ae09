/**
 * Per-flow storage registry (the idea of Suricata's flow-storage): a later stage (detect, and
 * later stream and app-layer) keeps its own per-flow state in typed arrays indexed by flow
 * slot, and registers here so that the flow table can clear that state when the slot's flow
 * ends. The flow table owns the slots; each client owns its arrays. Nothing here runs per
 * packet except clearSlot, once per ended flow.
 *
 * One client per name: registering a second client under a name already taken replaces the
 * first (a rule reload hands the engine's state to its successor; the old one must stop being
 * cleared and stop being found).
 */
export interface FlowStorageClient {
  /** Unique per stage ("detect", "stream", ...): find() looks clients up by it. */
  readonly name: string;
  /** Forget everything about the flow in `slot` (its flow ended; the slot will be reused). */
  clear(slot: number): void;
}

export class FlowStorage {
  private clients: FlowStorageClient[] = [];

  /** capacity: number of flow slots; clients size their arrays by it. */
  constructor(readonly capacity: number) {}

  register(client: FlowStorageClient): void {
    const i = this.clients.findIndex((c) => c.name === client.name);
    if (i >= 0) this.clients[i] = client;
    else this.clients.push(client);
  }

  unregister(client: FlowStorageClient): void {
    const i = this.clients.indexOf(client);
    if (i >= 0) this.clients.splice(i, 1);
  }

  /** The client registered under `name`, or null (not for the per-packet path). */
  find(name: string): FlowStorageClient | null {
    for (const c of this.clients) if (c.name === name) return c;
    return null;
  }

  /** Clear `slot` in every client (the flow table calls this when it frees a slot). */
  clearSlot(slot: number): void {
    const cs = this.clients;
    for (let i = 0; i < cs.length; i++) cs[i]!.clear(slot);
  }
}
