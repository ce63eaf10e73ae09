/**
 * What flow records know about a mirror session: the source ENI and its placement. The
 * configuration maps onto this; sessions[i] describes the session whose packets carry
 * p.sessionIndex === i. A flow whose session index is unknown is matched by VNI.
 */
export interface SessionInfo {
  name: string;
  vni: number;
  /** The mirror source's ENI id (interface-id). */
  eniId: string;
  accountId?: string;
  vpcId?: string;
  subnetId?: string;
  instanceId?: string;
  region?: string;
  azId?: string;
}

export class SessionDirectory {
  private readonly byVni = new Map<number, number>();

  constructor(readonly sessions: readonly SessionInfo[]) {
    sessions.forEach((s, i) => {
      if (!this.byVni.has(s.vni)) this.byVni.set(s.vni, i);
    });
  }

  /** Session by index, else by VNI; null when neither is known. */
  lookup(sessionIndex: number, vni: number): SessionInfo | null {
    if (sessionIndex >= 0 && sessionIndex < this.sessions.length) return this.sessions[sessionIndex]!;
    const i = this.byVni.get(vni);
    return i === undefined ? null : this.sessions[i]!;
  }

  /** Index of a session in `sessions` (by index, else by VNI); -1 when unknown. Allocation-free. */
  indexOf(sessionIndex: number, vni: number): number {
    if (sessionIndex >= 0 && sessionIndex < this.sessions.length) return sessionIndex;
    return this.byVni.get(vni) ?? -1;
  }
}
